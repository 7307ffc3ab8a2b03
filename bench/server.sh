# Sourced by the scripts that load a running server (bench/callgrind-server.sh,
# bench/perf-server.sh, bench/side-by-side.sh, scripts/bench-e2e.sh): the
# pieces they share.

# need PROGRAM TOOL...: exits, naming the first TOOL not on PATH.
need() {
  local program=$1 tool
  shift
  for tool; do
    command -v "$tool" >/dev/null || { echo "$program: $tool is needed" >&2; exit 1; }
  done
}

# wait_url LOG TRIES [PID]: the address a server printed to LOG, polled every
# 0.1 s up to TRIES times (sooner given up once PID has exited); empty if
# none came.
wait_url() {
  local log=$1 tries=$2 pid=${3:-} found="" i
  for i in $(seq 1 "$tries"); do
    found=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -n1 || true)
    [ -n "$found" ] && break
    [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && break
    sleep 0.1
  done
  echo "$found"
}

# make_key ALG FILE: a fresh PEM private key for RS256 (RSA 2048), ES256
# (P-256) or EdDSA (Ed25519) in FILE; fails if openssl made none.
make_key() {
  case $1 in
    RS256) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
    ES256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" ;;
    EdDSA) openssl genpkey -algorithm ed25519 -out "$2" ;;
    *) false ;;
  esac 2>/dev/null && [ -s "$2" ]
}
