#!/bin/sh
# containerd-stop.sh DIR [--purge] — stop the private containerd started by containerd-start.sh.
#
# Kills every task it runs (all namespaces), stops the daemon (SIGTERM, then SIGKILL after 10 s;
# straight SIGKILL with --purge), ends the shims it started, and unmounts whatever is still
# mounted under DIR. With --purge DIR is removed afterwards. Idempotent: stopping a stopped (or
# never started) daemon succeeds.
set -u

[ $# -ge 1 ] || { echo "usage: $0 DIR [--purge]" >&2; exit 2; }
[ -d "$1" ] || exit 0
dir=$(cd "$1" && pwd)
sock="$dir/containerd.sock"
pidfile="$dir/containerd.pid"
pid=$(cat "$pidfile" 2>/dev/null || true)

# A zombie (exited, not yet reaped by whoever adopted it) is not alive.
alive() {
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)
	[ -n "$state" ] && [ "$state" != Z ]
}

if alive && ctr --address "$sock" --timeout 2s version >/dev/null 2>&1; then
	for ns in $(ctr --address "$sock" namespaces list -q 2>/dev/null); do
		for t in $(ctr --address "$sock" -n "$ns" tasks list -q 2>/dev/null); do
			ctr --address "$sock" -n "$ns" tasks kill -a -s SIGKILL "$t" >/dev/null 2>&1 || true
			ctr --address "$sock" -n "$ns" tasks delete -f "$t" >/dev/null 2>&1 || true
		done
	done
fi

# containerd takes ~2 s to shut down on SIGTERM; with --purge its data is thrown away anyway.
sig=TERM
[ "${2:-}" = "--purge" ] && sig=KILL
if alive; then
	kill -"$sig" "$pid" 2>/dev/null || true
	i=0
	while alive && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	alive && kill -KILL "$pid" 2>/dev/null
fi
rm -f "$pidfile"

# Shims of this daemon carry "-address DIR/containerd.sock" on their command line.
for p in /proc/[0-9]*; do
	cmd=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null) || continue
	case "$cmd" in
	*containerd-shim*"-address $sock "*) kill -KILL "${p#/proc/}" 2>/dev/null || true ;;
	esac
done

# Unmount deepest first.
awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
	umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
done

if [ "${2:-}" = "--purge" ]; then
	rm -rf "$dir"
fi
exit 0
