#!/bin/sh
# containerd-start.sh DIR — start a private containerd for tests and CI.
#
# Everything lives under DIR: config.toml, root/, state/, containerd.sock, containerd.log and
# containerd.pid. The CRI plugin is disabled; the runc v2 shim (Debian's containerd + runc) runs
# the containers. Idempotent: if the containerd recorded in DIR/containerd.pid still answers,
# nothing happens. Prints the socket address on stdout.
#
# Use it from tests with:
#   SKYPANEL_TEST_CONTAINERD=$(scripts/containerd-start.sh /tmp/skypanel-ctrd)
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
command -v containerd >/dev/null || { echo "$0: containerd not installed (apt-get install -y containerd runc)" >&2; exit 1; }
mkdir -p "$1"
dir=$(cd "$1" && pwd)
sock="$dir/containerd.sock"
pidfile="$dir/containerd.pid"

answers() { ctr --address "$sock" --timeout 1s version >/dev/null 2>&1; }

if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && answers; then
	echo "$sock"
	exit 0
fi

mkdir -p "$dir/root" "$dir/state"
cat > "$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "$sock"

[ttrpc]
  address = "$sock.ttrpc"

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
TOML

rm -f "$sock" "$sock.ttrpc"
# setsid: the daemon must not die with the calling shell or test runner.
setsid containerd --config "$dir/config.toml" </dev/null >>"$dir/containerd.log" 2>&1 &
echo $! > "$pidfile"

# Wait until it answers (usually < 0.5 s); give up after 20 s.
i=0
until answers; do
	if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "$0: containerd exited; last log lines:" >&2
		tail -n 20 "$dir/containerd.log" >&2
		exit 1
	fi
	i=$((i + 1))
	[ $i -lt 400 ] || { echo "$0: containerd did not answer within 20 s" >&2; exit 1; }
	sleep 0.05
done
echo "$sock"
