#!/usr/bin/env bash
# Installs Debian's redis-server for the Redis store's tests
# (`cargo test -p warden --features redis,testing --test it redis_store`).
# Starts nothing: each test runs its own redis-server on a free loopback port
# and kills it, so the tests can also stop and restart Redis.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  redis-server --version
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq redis-server
redis-server --version
