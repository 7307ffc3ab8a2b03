#!/usr/bin/env bash
# Runs the README's example command and replays the Flama article's curl
# session against it.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --locked --example jwt_api
log=$(mktemp)
ADDR=127.0.0.1:0 cargo run --locked --quiet --example jwt_api 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT

base=""
for _ in $(seq 1 100); do
  base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -n1 || true)
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { echo "example did not start:"; cat "$log"; exit 1; }
grep -q "WARNING" "$log" || { echo "missing the demo-secret warning"; exit 1; }

fail() { echo "FAIL: $*"; exit 1; }
expect() { # expect STATUS BODY-SUBSTRING curl-args...
  local want=$1 needle=$2; shift 2
  local out status
  out=$(curl -s -w '\n%{http_code}' "$@")
  status=${out##*$'\n'}
  body=${out%$'\n'*}
  local url=${*: -1}
  # Report the URL only: the arguments carry tokens, which stay out of logs.
  [ "$status" = "$want" ] || fail "$url -> $status (want $want): $body"
  [[ "$body" == *"$needle"* ]] || fail "$url -> body $body lacks $needle"
  echo "ok $status $url"
}

expect 200 '"public":true' "$base/public/info/"
expect 401 '{"status_code":401,"detail":"Unauthorized","error":null}' "$base/private/info/"
signin=$(curl -s -X POST "$base/auth/" -H 'content-type: application/json' \
  -d '{"id": "7d7b6ea4-2a2b-4b84-a4c1-0a0c0a0c0a0c", "password": "x"}')
token=$(printf '%s' "$signin" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
[ -n "$token" ] || fail "no token in $signin"
expect 200 '"public":false' -H "Authorization: Bearer $token" "$base/private/info/"
expect 200 '"public":false' --cookie "access_token=$token" "$base/private/info/"
flama='eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJkYXRhIjogeyJmb28iOiAiYmFyIn0sICJpYXQiOiAwfQ==.J3zdedMZSFNOimstjJat0V28rM_b1UU62XCp9dg_5kg='
expect 403 'Insufficient permissions' -H "Authorization: Bearer $flama" "$base/private/info/"
expect 401 'JWTDecodeException' -H "Authorization: Bearer $token.x" "$base/private/info/"
expect 404 '"status_code":404' "$base/nope"
echo "smoke test passed"

echo "attack catalogue:"
python3 .ci/attacks.py "$base"
