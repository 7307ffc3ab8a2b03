#!/usr/bin/env bash
# Runs the README's example command and replays the Flama article's curl
# session against it.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --locked --example jwt_api
bin=target/debug/examples/jwt_api
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

# start LOG [VAR=value...]: runs the example with the given environment on a
# free port; sets $base.
start() {
  local log=$1; shift
  env ADDR=127.0.0.1:0 "$@" "$bin" 2>"$log" &
  pids+=($!)
  base=""
  for _ in $(seq 1 100); do
    base=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -n1 || true)
    [ -n "$base" ] && break
    sleep 0.1
  done
  [ -n "$base" ] || { echo "example did not start:"; cat "$log"; exit 1; }
}

log=$(mktemp)
start "$log"
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

# The token response is not cacheable; the docs page is locked down.
headers=$(curl -s -D - -o /dev/null -X POST "$base/auth/" -H 'content-type: application/json' \
  -d '{"id": "7d7b6ea4-2a2b-4b84-a4c1-0a0c0a0c0a0c"}')
grep -qi '^cache-control: no-store' <<<"$headers" || fail "/auth/ lacks Cache-Control: no-store"
echo "ok no-store /auth/"
headers=$(curl -s -D - -o /dev/null "$base/docs/")
for h in "content-security-policy: default-src 'none'" 'x-content-type-options: nosniff' \
  'referrer-policy: no-referrer' 'x-frame-options: DENY'; do
  grep -qi "^$h" <<<"$headers" || fail "/docs/ lacks $h"
done
echo "ok docs headers"

# One log line per request, denials with their reason, never a token.
grep -q 'warden_examples::http.*path="/private/info/".*status=401' "$log" || fail "no request log line"
grep -q 'warden::auth.*reason=invalid: malformed' "$log" || fail "no denial reason in the log"
grep -q 'warden::auth.*reason=forbidden: lacks \["my-permission-name"\]' "$log" || fail "no forbidden reason"
grep -qF "${token##*.}" "$log" && fail "a token signature is in the log"
grep -qF "${flama##*.}" "$log" && fail "a token signature is in the log"
echo "ok request log"

# A zero-padded or all-zero key is refused at start, naming the variable,
# unless the weak-key opt-in is explicit.
padded=$(python3 -c "print(b'hunter2'.hex() + '00' * 57)")
for hex in "$padded" "$(printf '00%.0s' $(seq 64))"; do
  if out=$(ADDR=127.0.0.1:0 JWT_SECRET_HEX=$hex timeout 10 "$bin" 2>&1); then
    fail "a weak JWT_SECRET_HEX was accepted"
  fi
  [[ "$out" == *"JWT_SECRET_HEX"* && "$out" == *"effectively"* ]] || fail "unclear refusal: $out"
  [[ "$out" != *"$hex"* ]] || fail "the refusal prints the secret"
done
echo "ok weak keys refused at start"
weak_log=$(mktemp)
start "$weak_log" JWT_SECRET_HEX="$padded" JWT_ALLOW_WEAK_SECRET=1
expect 200 '"public":true' "$base/public/info/"
echo "ok weak key with the explicit opt-in"

# Strict deployment through the environment: iss checked, exp required.
strict_log=$(mktemp)
start "$strict_log" JWT_SECRET_HEX="$(printf '5e%.0s' $(seq 32))" JWT_ISSUER=vortico JWT_REQUIRED_CLAIMS=exp
signin=$(curl -s -X POST "$base/auth/" -H 'content-type: application/json' \
  -d '{"id": "7d7b6ea4-2a2b-4b84-a4c1-0a0c0a0c0a0c"}')
strict_token=$(printf '%s' "$signin" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
expect 200 '"public":false' -H "Authorization: Bearer $strict_token" "$base/private/info/"
no_exp=$(python3 - <<'PY'
import base64, hashlib, hmac, json
b = lambda d: base64.urlsafe_b64encode(d).decode().rstrip("=")
msg = b(b'{"alg":"HS256"}') + "." + b(json.dumps({"iss": "vortico", "data": {"permissions": ["my-permission-name"]}}).encode())
print(msg + "." + b(hmac.new(bytes([0x5e] * 32), msg.encode(), hashlib.sha256).digest()))
PY
)
expect 401 'token lacks a required claim' -H "Authorization: Bearer $no_exp" "$base/private/info/"
echo "smoke test passed"

echo "attack catalogue:"
start "$(mktemp)"
python3 .ci/attacks.py "$base"

# Asymmetric signing keys: the app signs, serves its JWKS, PyJWT verifies.
python3 -c 'import jwt, cryptography' 2>/dev/null ||
  python3 -m pip install --quiet 'pyjwt[crypto]==2.10.1'
keys=runtime/tests/it/keys
for pair in "rsa RS256" "rsa PS256" "p256 ES256" "p384 ES384" "ed25519 EdDSA"; do
  set -- $pair
  alg_env=()
  [ "$2" = PS256 ] && alg_env=(JWT_SIGNING_ALG=PS256)
  start "$(mktemp)" JWT_SIGNING_KEY="$keys/$1.key" "${alg_env[@]}"
  echo "asymmetric $2:"
  python3 .ci/jwks_interop.py "$base" "$2" "$keys/$1.pub"
done
# A bad key path stops the start, naming the variable.
if out=$(ADDR=127.0.0.1:0 JWT_SIGNING_KEY=/nonexistent.pem timeout 10 "$bin" 2>&1); then
  fail "a missing JWT_SIGNING_KEY was accepted"
fi
[[ "$out" == *JWT_SIGNING_KEY* ]] || fail "unclear refusal: $out"
echo "ok bad JWT_SIGNING_KEY refused"
# The key pasted in place of its path: refused, and never printed.
if out=$(ADDR=127.0.0.1:0 JWT_SIGNING_KEY="$(cat "$keys/p256.key")" timeout 10 "$bin" 2>&1); then
  fail "a PEM key in JWT_SIGNING_KEY was accepted"
fi
[[ "$out" == *"JWT_SIGNING_KEY"*"path"* ]] || fail "unclear refusal: $out"
key_line=$(sed -n 2p "$keys/p256.key")
[[ "$out" != *"$key_line"* ]] || fail "the refusal prints the private key"
echo "ok a PEM key in JWT_SIGNING_KEY refused without echo"
# A variable that is not UTF-8 is an error, not the default.
if out=$(ADDR=$'127.0.0.1:0\xff' timeout 10 "$bin" 2>&1); then fail "a non-UTF-8 ADDR was accepted"; fi
[[ "$out" == *"ADDR: is not valid UTF-8"* ]] || fail "unclear refusal: $out"
echo "ok non-UTF-8 ADDR refused"

# Served under a prefix (PREFIX): the article's session, the document's
# servers, the docs page.
start "$(mktemp)" PREFIX=/api/v1
expect 200 '"public":true' "$base/api/v1/public/info/"
expect 404 '"status_code":404' "$base/public/info/"
signin=$(curl -s -X POST "$base/api/v1/auth/" -H 'content-type: application/json' \
  -d '{"id": "7d7b6ea4-2a2b-4b84-a4c1-0a0c0a0c0a0c"}')
token=$(printf '%s' "$signin" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
expect 200 '"public":false' -H "Authorization: Bearer $token" "$base/api/v1/private/info/"
expect 200 '"url": "/api/v1"' "$base/api/v1/schema/"
expect 200 'warden-docs.js' "$base/api/v1/docs/"
for bad in api /:v1; do
  if out=$(ADDR=127.0.0.1:0 PREFIX=$bad timeout 10 "$bin" 2>&1); then fail "PREFIX=$bad was accepted"; fi
  [[ "$out" == *"PREFIX: "* && "$out" != *panicked* ]] || fail "unclear refusal of $bad: $out"
done
echo "ok PREFIX"

# A remote JWKS the app does not control.
echo "remote JWKS:"
python3 .ci/jwks_remote.py "$bin" runtime/tests/it/keys

# The ML API example, as a new user runs it.
cargo build --locked --example ml_api
if out=$(ADDR=127.0.0.1:0 JWT_JWKS_URL=http://127.0.0.1:9/jwks.json timeout 10 \
  target/debug/examples/ml_api 2>&1); then
  fail "ml_api accepted JWT_JWKS_URL without a key of its own"
fi
[[ "$out" == *"JWT_JWKS_URL: ml_api signs"* && "$out" != *"random secret"* ]] ||
  fail "unclear refusal: $out"
echo "ok ml_api JWT_JWKS_URL refused"
echo "ml_api:"
python3 .ci/ml_smoke.py target/debug/examples/ml_api
