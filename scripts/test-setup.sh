#!/usr/bin/env bash
# What the test suite needs on this kind of machine (Debian, Node 20), set up when missing:
# PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 running, `redis-server` installed
# (tests that kill or flush Redis start their own), Chromium and an emoji font for the
# `scout demo` browser test, and node_modules matching package-lock.json.
# `npm test` runs this first, and `.ci/run` runs exactly `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "test-setup: $*" >&2; }

# apt needs root; elsewhere a passwordless sudo will do, and without either we say what to run.
apt_install() {
  local runner=()
  if [[ $(id -u) -ne 0 ]]; then
    if sudo -n true 2>/dev/null; then runner=(sudo -n); else
      say "cannot install $* (not root, no passwordless sudo): run  sudo apt-get install $*"
      return 1
    fi
  fi
  "${runner[@]}" apt-get install -y --no-install-recommends "$@" >/dev/null ||
    { "${runner[@]}" apt-get update >/dev/null && "${runner[@]}" apt-get install -y --no-install-recommends "$@" >/dev/null; }
}

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  say "PostgreSQL is not answering on 127.0.0.1:5432; the integration tests need it (trust auth, database test)"
fi

if ! command -v redis-server >/dev/null; then
  say "installing redis-server"
  apt_install redis-server || { say "the worker tests need redis-server (Debian's package)"; exit 1; }
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  say "starting Redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
fi

if [[ ! -x /usr/bin/chromium || ! -d /usr/share/fonts/truetype/noto ]]; then
  say "installing Chromium and the emoji font for the browser test"
  apt_install chromium fonts-noto-color-emoji || say "the e2e test will fail until Chromium is at /usr/bin/chromium"
fi

# npm keeps a copy of the lock it installed from; a missing or older copy means `npm ci`.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  say "installing packages (npm ci)"
  npm ci --no-audit --no-fund >/dev/null
fi
