#!/bin/sh
# containerd-test-env.sh DIR — everything the containerd tests need, in one call:
# starts a private containerd in DIR (containerd-start.sh), builds the busybox test image
# (busybox-image.sh, once) and imports it into namespace skypanel (containerd-import.sh), then
# prints the environment for `go test`:
#
#   eval "$(scripts/containerd-test-env.sh /tmp/skypanel-containerd)"
#   go test ./runtime/...
#   scripts/containerd-stop.sh /tmp/skypanel-containerd --purge
#
# Needs root, containerd, runc and busybox-static.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
sock=$("$here/containerd-start.sh" "$1")
dir=$(cd "$1" && pwd)
image=docker.io/skypanel/busybox:test
[ -s "$dir/busybox.tar" ] || "$here/busybox-image.sh" "$dir/busybox.tar" >/dev/null
"$here/containerd-import.sh" "$dir" "$dir/busybox.tar" >/dev/null
echo "export SKYPANEL_TEST_CONTAINERD='$sock'"
echo "export SKYPANEL_TEST_IMAGE='$image'"
