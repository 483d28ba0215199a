#!/bin/sh
# mariadb-stop.sh DIR [--purge] — stop the private MariaDB started by mariadb-start.sh.
#
# Asks the server to shut down through its private socket, then SIGTERM, then SIGKILL after
# 20 s (straight SIGKILL with --purge: the data is thrown away anyway). With --purge DIR is
# removed afterwards. Idempotent: stopping a stopped (or never started) server succeeds.
set -u

[ $# -ge 1 ] || { echo "usage: $0 DIR [--purge]" >&2; exit 2; }
[ -d "$1" ] || exit 0
dir=$(cd "$1" && pwd)
sock="$dir/mariadb.sock"
pidfile="$dir/mariadb.pid"
pid=$(cat "$pidfile" 2>/dev/null || true)

# A zombie (exited, not yet reaped by whoever adopted it) is not alive.
alive() {
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)
	[ -n "$state" ] && [ "$state" != Z ]
}

# Only a mariadbd whose command line names this folder's socket is ours to stop.
ours() {
	alive || return 1
	tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--socket=$sock "
}

if ours; then
	if [ "${2:-}" = "--purge" ]; then
		kill -KILL "$pid" 2>/dev/null || true
	else
		mariadb-admin --no-defaults --protocol=socket --socket="$sock" -uroot --connect-timeout=2 \
			shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
	fi
	i=0
	while alive && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
	alive && kill -KILL "$pid" 2>/dev/null
	i=0
	while alive && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
fi
rm -f "$pidfile"

if [ "${2:-}" = "--purge" ]; then
	rm -rf "$dir"
fi
exit 0
