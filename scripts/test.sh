#!/usr/bin/env bash
# `make test`: every test, against a private containerd (started here, stopped on exit) with a
# busybox OCI image built from /bin/busybox and imported locally. Needs root for containerd,
# cgroups and the unprivileged-user checks; without root the containerd tests skip with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${SKYPANEL_TEST_DIR:-/tmp/skypanel-test}
mkdir -p "$dir"
cleanup() {
  scripts/containerd-stop.sh "$dir/containerd" --purge >/dev/null 2>&1 || true
  scripts/mariadb-stop.sh "$dir/mariadb" --purge >/dev/null 2>&1 || true
}
trap cleanup EXIT
if [ "$(id -u)" -eq 0 ] && command -v containerd >/dev/null; then
  eval "$(scripts/containerd-test-env.sh "$dir/containerd")"
  echo "containerd for tests: $SKYPANEL_TEST_CONTAINERD (image $SKYPANEL_TEST_IMAGE)"
else
  echo "not root or no containerd: containerd tests will skip"
fi
if command -v mariadbd >/dev/null; then
  eval "$(scripts/mariadb-start.sh "$dir/mariadb")"
  echo "MariaDB for tests: 127.0.0.1:$(cat "$dir/mariadb/port")"
else
  echo "no mariadbd (apt-get install -y mariadb-server): database tests will skip"
fi
export CGO_ENABLED=1
# the API reference page (/api/docs) in headless Chromium (server/docspage): the bundle it embeds
# and the browser; its screenshot goes to the artifacts folder
make --no-print-directory docs-bundle
if command -v chromium >/dev/null; then
  export SKYPANEL_TEST_CHROMIUM=$(command -v chromium) SKYPANEL_TEST_ARTIFACTS=$dir/artifacts
else
  echo "no chromium (apt-get install -y chromium): the reference page test will skip"
fi
# e2e/multinode (issue 12) runs the panel and two daemons, each daemon in its own network namespace
# (root, iproute2, nsenter; it skips otherwise), with docker servers on the containerd above.
go vet ./...
# api/ is its own module (the Go SDK): vetted here; its tests and runnable examples run inside
# e2e/gosdk's TestGoSDK against a live panel
(cd api && go vet ./...)
go test -count=1 -timeout 25m ./... 2>&1 | tee "$dir/go-test.log"
[ ! -f "$dir/artifacts/docs-page.png" ] || echo "screenshot of /api/docs: $dir/artifacts/docs-page.png"
# the race detector on the concurrent core (state machine, fan-out, middleware, OAuth2 cache,
# file manager and backups, the node API and its token verifier, the panel's remote node client
# and registry, the WebSocket engine, transfers, webhook delivery)
go test -count=1 -race -timeout 15m ./daemon/ ./daemon/files/ ./daemon/backup/ ./daemon/nodeapi/ \
  ./daemon/panel/ ./daemon/transfer/ ./server/ ./server/oauth/ ./server/node/ ./server/socket/ ./server/webhook/ 2>&1 | tail -15
# fuzz the file manager's path handling for a short budget
go test -run '^$' -fuzz FuzzResolve -fuzztime 15s ./daemon/files 2>&1 | tail -3
