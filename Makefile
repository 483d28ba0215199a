# SkyPanel — the two set-up commands on a fresh Debian machine are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
BIN := bin/skypanel
DATA ?= ./data
LISTEN ?= 127.0.0.1:8080
export CGO_ENABLED := 1

.PHONY: all build run test test-unit deps generate check-generated lint-spec bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/skypanel

## deps: system packages (containerd, runc, busybox-static, mariadb-server, wrk) and npm tools
deps:
	scripts/install-deps.sh

## run: the panel + local node on SQLite in $(DATA); prints how to get credentials on first start
run: build
	scripts/run.sh $(BIN) $(DATA) $(LISTEN)

## test: everything, against a private containerd and MariaDB started (and stopped) here
test: deps
	scripts/test.sh

## test-unit: the fast tests only (no containerd, no MariaDB)
test-unit:
	$(GO) test -count=1 ./...

generate:
	$(GO) generate ./...

## check-generated: regenerate and fail on any diff (CI)
check-generated: generate
	@git diff --exit-code -- gen api ent || { echo "generated code is stale: run 'make generate' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- gen api ent)" || { git status --porcelain -- gen api ent; echo "untracked generated files"; exit 1; }

## lint-spec: lint openapi.yaml with Redocly
lint-spec:
	npx --no-install redocly lint openapi.yaml

## bench: the benchmarks of every issue, each printing a ratio against a baseline from the same run
bench: deps
	scripts/bench.sh

clean:
	rm -rf bin
