# SkyPanel — the two set-up commands on a fresh Debian machine are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/skypanel
DATA ?= ./data
LISTEN ?= 127.0.0.1:8080
export CGO_ENABLED := 1
# what `skypanel version` prints; override for packaging (make build VERSION=1.2.3)
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)
# the TypeScript SDK's types, generated from openapi.yaml by openapi-typescript (sdk/typescript/package.json)
TS_GENERATED := sdk/typescript/src/schema.gen.ts
# golangci-lint is pinned in tools/go.mod (its own module, so it does not bloat go.mod)
GOLANGCI_LINT := $(GO) tool -modfile=tools/go.mod golangci-lint

.PHONY: all help build run test test-unit deps docs-bundle generate check-generated lint-spec lint check-tidy bench clean

all: build

## help: list the targets
help:
	@sed -n 's/^## \([^:]*\): */\1\t/p' $(MAKEFILE_LIST) | awk -F'\t' '{printf "  %-16s %s\n", $$1, $$2}'

## build: the binary in $(BIN), stamped with the git version and commit, with the API reference page
build: docs-bundle
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/skypanel

## deps: system packages (containerd, runc, busybox-static, mariadb-server, wrk) and npm tools
deps:
	scripts/install-deps.sh

# The API reference page (/api/docs) embeds Scalar's standalone bundle, copied from node_modules
# (package.json pins it; npm ci when missing) into a gitignored folder. A `go build` without it
# still works: /api/docs then answers 501.
DOCS_BUNDLE_SRC := node_modules/@scalar/api-reference/dist/browser/standalone.js
DOCS_BUNDLE := server/docs/dist/scalar-api-reference.js

## docs-bundle: copy the API reference renderer into server/docs/dist (embedded by go build)
# Without npm (or offline) the binary still builds: /api/docs then answers 501 and says why.
docs-bundle:
	@test -f $(DOCS_BUNDLE_SRC) || { command -v npm >/dev/null && npm ci --no-audit --no-fund --loglevel=error; } || \
		echo "docs-bundle: npm is missing or npm ci failed: building without the API reference page (/api/docs answers 501)" >&2
	@test ! -f $(DOCS_BUNDLE_SRC) || cmp -s $(DOCS_BUNDLE_SRC) $(DOCS_BUNDLE) || cp $(DOCS_BUNDLE_SRC) $(DOCS_BUNDLE)

## run: the panel + local node on SQLite in $(DATA); prints how to get credentials on first start
run: build
	scripts/run.sh $(BIN) $(DATA) $(LISTEN)

## test: everything, against a private containerd and MariaDB started (and stopped) here
test: deps docs-bundle
	scripts/test.sh

## test-unit: the fast tests only (no containerd, no MariaDB)
test-unit:
	$(GO) test -count=1 ./...

## generate: regenerate gen/, api/ and ent/ from openapi.yaml and ent/schema, and the TypeScript SDK's types
generate:
	$(GO) generate ./...
	cd sdk/typescript && npm run -s generate

## check-generated: regenerate and fail on any diff (CI)
check-generated: generate
	@git diff --exit-code -- gen api ent $(TS_GENERATED) || { echo "generated code is stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- gen api ent $(TS_GENERATED))" || { git status --porcelain -- gen api ent $(TS_GENERATED); echo "untracked generated files"; exit 1; }

## lint-spec: lint openapi.yaml and daemon.yaml with Redocly
lint-spec:
	npx --no-install redocly lint openapi.yaml daemon.yaml

## lint: golangci-lint (.golangci.yml: errcheck, staticcheck, govet, revive, package rules), root and api/
lint:
	$(GOLANGCI_LINT) run ./...
	cd api && $(GO) tool -modfile=../tools/go.mod golangci-lint run --config ../.golangci.yml ./...

## check-tidy: fail if go.mod or go.sum is not tidy (CI): the root, tools/ and api/ (the Go SDK module)
check-tidy:
	$(GO) mod tidy -diff
	cd tools && $(GO) mod tidy -diff
	cd api && $(GO) mod tidy -diff

## bench: the benchmarks of every issue, each printing a ratio against a baseline from the same run
bench: deps
	scripts/bench.sh

## clean: remove build output
clean:
	rm -rf bin
