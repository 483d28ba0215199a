#!/usr/bin/env bash
# Installs the system packages and npm tools SkyPanel's build and tests need (Debian). Idempotent:
# does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(containerd runc busybox-static containernetworking-plugins iptables iproute2 kmod curl mariadb-server mariadb-client wrk gcc make git nodejs npm python3 python3-requests php-cli php-curl php-sqlite3 phpunit)
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
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -x node_modules/.bin/redocly ] || [ ! -d node_modules/axios ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
