#!/usr/bin/env bash
# Installs the system packages and npm tools SkyPanel's build and tests need (Debian). Idempotent:
# does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(containerd runc busybox-static containernetworking-plugins iptables iproute2 kmod curl mariadb-server mariadb-client wrk gcc make git nodejs npm python3 python3-requests php-cli php-curl php-sqlite3 phpunit
  openssh-client sshpass openssh-server chromium
  systemd) # systemd-analyze: cmd/skypanel TestSystemdUnits verifies packaging/systemd
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from outside Debian's packages on developer machines: accept any working npm.
if command -v npm >/dev/null; then
  filtered=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  # openssh-server is only the SFTP benchmark's baseline (a private sshd on a loopback port):
  # its package must not start or enable a system sshd. A policy-rc.d that refuses every start
  # covers sysvinit and systemd's deb-systemd-invoke; one already there is left alone.
  policy=/usr/sbin/policy-rc.d; own_policy=""
  if [[ " ${missing[*]} " == *" openssh-server "* && ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 755 "$policy" && own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$own_policy" ] || $SUDO rm -f "$policy"
  if [[ " ${missing[*]} " == *" openssh-server "* ]]; then
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      $SUDO systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
    fi
    if ss -Hltnp 2>/dev/null | grep -q '"sshd"'; then
      echo "install-deps: the openssh-server package started sshd; stopping it" >&2
      [ ! -s /run/sshd.pid ] || $SUDO kill "$(cat /run/sshd.pid)" || true
    fi
  fi
fi
if [ ! -x node_modules/.bin/redocly ] || [ ! -d node_modules/axios ] ||
  [ ! -f node_modules/@scalar/api-reference/dist/browser/standalone.js ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# the TypeScript SDK's own tools (openapi-typescript, tsc) and dependencies, from its lock file
ts=sdk/typescript
if [ ! -f $ts/node_modules/.package-lock.json ] || [ $ts/package-lock.json -nt $ts/node_modules/.package-lock.json ]; then
  (cd $ts && npm ci --no-audit --no-fund --loglevel=error)
fi
