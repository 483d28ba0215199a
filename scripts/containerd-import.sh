#!/bin/sh
# containerd-import.sh DIR OUT.tar — import an OCI archive (see busybox-image.sh) into the
# namespace skypanel of the private containerd started by containerd-start.sh DIR, and unpack it.
# Prints the image names it imported.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 DIR OUT.tar" >&2; exit 2; }
sock="$(cd "$1" && pwd)/containerd.sock"
ns=${SKYPANEL_NAMESPACE:-skypanel}
ctr --address "$sock" -n "$ns" images import "$2" >/dev/null
ctr --address "$sock" -n "$ns" images list -q
