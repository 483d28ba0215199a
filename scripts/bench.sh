#!/usr/bin/env bash
# `make bench`: the benchmarks of every issue, one section each. Every figure is printed with
# a baseline measured in the same run and the ratio; targets are reported as PASS/MISS and a
# miss never fails the run (only a benchmark that cannot run does). Loopback only. The issue 2
# section takes about 80 s on 2 cores.
#
# Environment:
#   BENCH_PROFILE=DIR   also write CPU profiles of the panel benchmark's runs to DIR and print
#                       the top of each (go tool pprof, load generator excluded)
#   BENCH_ARGS="..."    extra flags for bench/panelbench (e.g. "-duration 5s")
set -euo pipefail
cd "$(dirname "$0")/.."
export CGO_ENABLED=1

section() { printf '\n==================== %s ====================\n' "$1"; }

section "build"
mkdir -p bin
go build -o bin/skypanel ./cmd/skypanel
go build -o bin/panelbench ./bench/panelbench
echo "bin/skypanel, bin/panelbench built ($(go version | cut -d' ' -f3))"

# ---------------------------------------------------------------------------------------------
section "issue 2: panel API (10,000 servers, 1,000 users, SQLite), token issuance, idle RSS"
# shellcheck disable=SC2086 # BENCH_ARGS is a list of flags
bin/panelbench -bin bin/skypanel ${BENCH_ARGS:-}

if [ -n "${BENCH_PROFILE:-}" ]; then
  mkdir -p "$BENCH_PROFILE"
  for run in servers nodes token; do
    bin/panelbench -bin "" -duration 5s -flat-duration 1s -token-duration 3s \
      -profile-run "$run" -cpuprofile "$BENCH_PROFILE/$run.prof" >/dev/null
    echo "--- CPU profile of the $run run (server side): $BENCH_PROFILE/$run.prof"
    go tool pprof -top -cum -tagignore role=loadgen bin/panelbench "$BENCH_PROFILE/$run.prof" 2>/dev/null |
      grep -v ' runtime\.' | sed -n '6,30p'
  done
fi

# Later issues add their sections below, in the same shape:
#   section "issue N: what is measured"
#   <command that prints its figures, baselines, ratios and PASS/MISS lines>

# ---------------------------------------------------------------------------------------------
section "issue 3: game-server lifecycle (start latency, console throughput, daemon memory per server)"
go build -o bin/lifecycle ./bench/lifecycle
if [ "$(id -u)" -ne 0 ]; then
  echo "not root: skipped (servers run as containers, in cgroups and as an unprivileged user)"
else
  # The docker parts need containerd and the busybox test image: a private containerd is
  # started here (and stopped on exit) unless SKYPANEL_TEST_CONTAINERD points at one already.
  if [ -z "${SKYPANEL_TEST_CONTAINERD:-}" ] && command -v containerd >/dev/null; then
    lifecycle_ctrd=$(mktemp -d /tmp/skypanel-bench-ctrd.XXXXXX)
    trap 'scripts/containerd-stop.sh "$lifecycle_ctrd" --purge >/dev/null 2>&1 || true; rm -rf "$lifecycle_ctrd"' EXIT
    eval "$(scripts/containerd-test-env.sh "$lifecycle_ctrd")"
  fi
  # shellcheck disable=SC2086 # BENCH_LIFECYCLE_ARGS is a list of flags (e.g. "-n 20 -profile=false")
  bin/lifecycle -bin bin/skypanel ${BENCH_LIFECYCLE_ARGS:-}
fi

# ---------------------------------------------------------------------------------------------
section "issue 5: files and backups (backup/restore vs tar, download vs http.ServeContent, upload vs direct write, upload RSS)"
go build -o bin/filesbench ./bench/files
bin/filesbench

# ---------------------------------------------------------------------------------------------
section "issue 6: WebSocket consoles (100 sockets × 50,000 lines/s, with and without a stalled socket)"
go run ./bench/socket -duration 20s -client both

# ---------------------------------------------------------------------------------------------
section "issue 12: many machines (remote node in its own network namespace vs the local node: start latency, WebSocket console lines/s, file download)"
go build -o bin/multinodebench ./bench/multinode
if [ "$(id -u)" -ne 0 ]; then
  echo "not root: skipped (the remote node's daemon runs in its own network namespace)"
else
  # docker servers when a containerd is there (the issue 3 section started one, or
  # SKYPANEL_TEST_CONTAINERD points at one); standard servers otherwise
  # shellcheck disable=SC2086 # BENCH_MULTINODE_ARGS is a list of flags (e.g. "-starts 5 -file-mib 64")
  bin/multinodebench -bin bin/skypanel ${BENCH_MULTINODE_ARGS:-}
fi

# ---------------------------------------------------------------------------------------------
section "issue 14: SFTP (upload and download of a 256 MiB file over loopback vs OpenSSH's sshd + sftp-server, same sftp client)"
go build -o bin/sftpbench ./bench/sftp
if [ "$(id -u)" -ne 0 ]; then
  echo "not root: skipped (the OpenSSH baseline's sshd needs root)"
elif ! command -v sftp >/dev/null || ! [ -x /usr/sbin/sshd ]; then
  echo "OpenSSH's sftp and sshd are missing (scripts/install-deps.sh installs openssh-client, openssh-server): skipped"
else
  # shellcheck disable=SC2086 # BENCH_SFTP_ARGS is a list of flags (e.g. "-mib 64 -rounds 1")
  bin/sftpbench ${BENCH_SFTP_ARGS:-}
fi
