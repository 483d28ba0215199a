#!/usr/bin/env bash
# `make run`: starts the panel with its local node on SQLite. Uses the machine's containerd when
# it answers at /run/containerd/containerd.sock (docker environment); otherwise starts a private
# one when containerd is installed and we are root, else runs "standard" servers only.
set -euo pipefail
bin=$1 data=$2 listen=$3
mkdir -p "$data"
data=$(cd "$data" && pwd)
sock=${SKYPANEL_CONTAINERD:-/run/containerd/containerd.sock}
if ! { [ -S "$sock" ] && ctr --address "$sock" version >/dev/null 2>&1; }; then
  if command -v containerd >/dev/null && [ "$(id -u)" -eq 0 ]; then
    scripts/containerd-start.sh "$data/containerd" >/dev/null
    sock="$data/containerd/containerd.sock"
    trap 'scripts/containerd-stop.sh "$data/containerd" >/dev/null 2>&1 || true' EXIT
  fi
fi
export SKYPANEL_CONTAINERD=$sock
"$bin" serve --listen "$listen" --data "$data"
