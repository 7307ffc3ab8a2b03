#!/usr/bin/env bash
# Real-browser test of the example app's docs page (Swagger UI at /docs/):
# Debian's Chromium driven by playwright-core (.ci/browser/docs.mjs). Leaves a
# screenshot at target/docs-ui.png, on success and on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

note() { printf -- '-- %s\n' "$*"; }
die() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# 1. Debian's Chromium. playwright's own browser download cannot work here.
chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
  note "installing Debian's chromium"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 $sudo apt-get update -qq || die "apt-get update failed"
  timeout 600 $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null \
    || die "apt-get install chromium failed"
fi
[ -x "$chromium" ] || die "$chromium missing after install"
note "$("$chromium" --version 2>/dev/null || echo "chromium (version unknown)")"

# 2. playwright-core, pinned by .ci/browser/package-lock.json. It downloads no
# browser on install; `npx playwright install` must never run here.
note "npm ci in .ci/browser"
(cd .ci/browser && timeout 300 npm ci --no-audit --no-fund --loglevel=error) \
  || die "npm ci failed"

# 3. The example app on a free port, at the root and under a prefix
# (PREFIX: the page, its document and "Try it out" must all follow it).
timeout 900 cargo build --locked --quiet --example jwt_api || die "cargo build failed"
pid=""
log=$(mktemp)
cleanup() {
  [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
  rm -f "$log"
}
trap cleanup EXIT

run() { # run PREFIX SCREENSHOT
  ADDR=127.0.0.1:0 PREFIX="$1" target/debug/examples/jwt_api 2>"$log" &
  pid=$!
  base=""
  for _ in $(seq 1 300); do # 30 s
    base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -n1 || true)
    [ -n "$base" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$base" ] || { cat "$log" >&2; die "example did not start"; }
  note "app at $base${1}"
  # 4. The browser test. docs.mjs bounds each step and the whole run itself;
  # `timeout` is the backstop.
  mkdir -p target
  BASE="$base" PREFIX="$1" CHROMIUM="$chromium" SCREENSHOT="$PWD/target/$2" \
    timeout -k 10 150 node .ci/browser/docs.mjs || die "docs page browser test (see target/$2)"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}

run "" docs-ui.png
run /api/v1 docs-ui-prefixed.png
