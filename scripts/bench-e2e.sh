#!/usr/bin/env bash
# End-to-end HTTP benchmark of issue #11: the `jwt_api` example (Warden)
# against the hand-written axum + jsonwebtoken `from_fn` baseline
# (`warden-bench-baseline`, bench/src/bin/baseline_server.rs) and, with
# --flama, Flama 2.2.2 on uvicorn (bench/flama/app.py), on the same routes.
#
#   scripts/bench-e2e.sh [--rounds N] [--duration SECS] [--connections C]
#                        [--alg HS256|RS256|ES256|EdDSA] [--cold [N]] [--flama]
#                        [--no-build]
#
# Each server runs pinned to CPU 0 (`taskset -c 0`), wrk to CPU 1
# (`taskset -c 1 wrk -t1 -cC -dSECS --latency`). Every round loads every
# server on `GET /public/info/` (no token) and `GET /private/info/` (Bearer
# token holding `my-permission-name`), the order of the servers and of the
# routes alternating from round to round. Before loading, each server must
# answer 200 to the exact request it is loaded with, and 401 to the
# protected route without a token. Prints req/s, p50 and p99 latency per
# server x route (medians over rounds) and the ratios, also as the median
# of the per-round ratios. Figures are only comparable within one run:
# quote ratios.
# --cold: Warden and the baseline get N distinct tokens (default 30,000,
# three times Warden's verified-token cache) in turn, so that Warden's
# cache misses: the cost of verifying a token not seen before.
# BASELINE_SERVE=warden (environment): the baseline router is served by
# warden::serve_listener instead of axum::serve (a diagnostic).
# Needs 2 CPUs, curl, openssl, python3, taskset; installs wrk with apt-get.
#
# Not part of `cargo test`; nothing here asserts a timing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. "$root/bench/server.sh"

rounds=3
duration=10
connections=32
alg=HS256
flama=0
build=1
cold=0
usage() {
  sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=${2:?--rounds needs a value}; shift 2 ;;
    --duration) duration=${2:?--duration needs a value}; shift 2 ;;
    --connections) connections=${2:?--connections needs a value}; shift 2 ;;
    --alg) alg=${2:?--alg needs a value}; shift 2 ;;
    --flama) flama=1; shift ;;
    --cold)
      cold=30000
      if [[ ${2:-} =~ ^[1-9][0-9]*$ ]]; then cold=$2; shift; fi
      shift ;;
    --no-build) build=0; shift ;;
    -h | --help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 >&2 ;;
  esac
done

die() { echo "bench-e2e: error: $*" >&2; exit 1; }
note() { echo "bench-e2e: $*" >&2; }

[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer"
[[ $duration =~ ^[1-9][0-9]*$ ]] || die "--duration must be a positive number of seconds"
[[ $connections =~ ^[1-9][0-9]*$ ]] || die "--connections must be a positive integer"
case $alg in HS256 | RS256 | ES256 | EdDSA) ;; *) die "--alg must be HS256, RS256, ES256 or EdDSA" ;; esac
if [ "$flama" = 1 ] && [ "$alg" != HS256 ] && [ "$alg" != EdDSA ]; then
  die "Flama 2.2.2 verifies HS256/HS384/HS512 and EdDSA only; --flama cannot run with --alg $alg"
fi

for tool in curl openssl python3 taskset cargo; do
  command -v "$tool" >/dev/null || die "$tool is needed"
done
[ "$(nproc --all)" -ge 2 ] || die "needs 2 CPUs (server on CPU 0, wrk on CPU 1); this machine has $(nproc --all)"

# wrk from Debian.
if ! command -v wrk >/dev/null; then
  note "installing wrk (Debian package)"
  command -v apt-get >/dev/null || die "wrk is missing and apt-get is not available: install wrk"
  { apt-get install -y -qq wrk >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; }; } ||
    die "could not install wrk with apt-get"
fi

target=${CARGO_TARGET_DIR:-$root/target}
if [ "$build" = 1 ]; then
  note "building in release: the jwt_api example, the baseline server, the token minter"
  cargo build --release --locked -p warden-examples --example jwt_api >&2 ||
    die "building jwt_api failed"
  cargo build --release --locked -p warden-bench --bin warden-bench-baseline \
    --bin warden-bench-token >&2 || die "building warden-bench's binaries failed"
fi
warden_bin=$target/release/examples/jwt_api
baseline_bin=$target/release/warden-bench-baseline
token_bin=$target/release/warden-bench-token
for b in "$warden_bin" "$baseline_bin" "$token_bin"; do
  [ -x "$b" ] || die "$b is missing (run without --no-build)"
done

venv=$target/bench-flama-venv
if [ "$flama" = 1 ]; then
  if ! "$venv/bin/python" -c 'import importlib.metadata as m, uvicorn; assert m.version("flama") == "2.2.2"' 2>/dev/null; then
    note "creating $venv with flama[pydantic]==2.2.2 and uvicorn"
    python3 -m venv "$venv" || die "python3 -m venv failed"
    "$venv/bin/pip" install --quiet 'flama[pydantic]==2.2.2' uvicorn >&2 ||
      die "pip install flama[pydantic]==2.2.2 uvicorn failed"
  fi
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Keys and tokens: HS256 with 32 random bytes, or a fresh key pair.
if [ "$alg" = HS256 ]; then
  secret=$(openssl rand -hex 32)
  warden_env=(JWT_SECRET_HEX="$secret")
  baseline_env=(JWT_SECRET_HEX="$secret")
  flama_env=(JWT_SECRET_HEX="$secret")
  token=$("$token_bin" HS256 "$secret") || die "minting the token failed"
else
  make_key "$alg" "$tmp/key.pem" || die "openssl could not generate the $alg key"
  openssl pkey -in "$tmp/key.pem" -pubout -out "$tmp/pub.pem" 2>/dev/null ||
    die "openssl could not write the public key"
  # The example's documented variables; the verified-token cache is on by
  # default with an asymmetric key.
  warden_env=(JWT_SIGNING_KEY="$tmp/key.pem" JWT_ALGORITHMS="$alg")
  baseline_env=(JWT_PUBLIC_KEY="$tmp/pub.pem" JWT_ALGORITHMS="$alg")
  token=$("$token_bin" "$alg" "$tmp/key.pem") || die "minting the token failed"
  if [ "$alg" = EdDSA ]; then
    # Flama takes the raw 32-byte seed: the tail of the PKCS#8 DER.
    seed=$(openssl pkey -in "$tmp/key.pem" -outform DER 2>/dev/null | tail -c 32 | od -An -tx1 | tr -d ' \n')
    [ ${#seed} = 64 ] || die "could not extract the Ed25519 seed"
    flama_env=(JWT_EDDSA_PRIVATE_HEX="$seed")
  fi
fi
[ -n "$token" ] || die "empty token"
if [ "$cold" != 0 ]; then
  note "minting $cold distinct $alg tokens for --cold"
  "$token_bin" "$alg" "${secret:-$tmp/key.pem}" --count "$cold" >"$tmp/tokens.txt" ||
    die "minting the --cold tokens failed"
  [ "$(wc -l <"$tmp/tokens.txt")" -ge $((cold - 1)) ] || die "fewer tokens than asked for"
  # wrk sends them in turn, one a request.
  cat >"$tmp/rotate.lua" <<'LUA'
local tokens, i = {}, 0
function init(args)
  for line in io.lines(args[1]) do tokens[#tokens + 1] = "Bearer " .. line end
end
function request()
  i = i % #tokens + 1
  return wrk.format(nil, nil, { ["Authorization"] = tokens[i] })
end
LUA
fi

# Servers: NAME -> URL, token, log.
names=(warden baseline)
declare -A url tok log spid
# start NAME LOG WAIT_SECS VAR=value... PROGRAM ARGS...: runs PROGRAM on
# CPU 0 with only the given variables (and PATH, HOME: no JWT_* or RUST_LOG
# of the caller's leaks in), waits for the address it prints.
start() {
  local name=$1 logfile=$2 wait_secs=$3; shift 3
  taskset -c 0 env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$@" >"$logfile" 2>&1 &
  pids+=($!)
  local pid=$! found
  found=$(wait_url "$logfile" $((wait_secs * 10)) "$pid")
  [ -n "$found" ] || { cat "$logfile" >&2; die "$name did not start (log above)"; }
  url[$name]=$found
  spid[$name]=$pid
  log[$name]=$logfile
}

# RUST_LOG=warn: the example logs one line per request at `info`, which
# would measure the terminal or the log file instead of the server.
start warden "$tmp/warden.log" 30 ADDR=127.0.0.1:0 RUST_LOG=warn "${warden_env[@]}" "$warden_bin"
tok[warden]=$token
# BASELINE_SERVE=warden in the caller's environment serves the baseline
# router with warden::serve_listener instead of axum::serve (a diagnostic).
start baseline "$tmp/baseline.log" 30 ADDR=127.0.0.1:0 BASELINE_SERVE="${BASELINE_SERVE:-axum}" \
  "${baseline_env[@]}" "$baseline_bin"
tok[baseline]=$token
if [ "$flama" = 1 ]; then
  # Flama's own token: its encoder pads base64url, which it also requires.
  tok[flama]=$(env "${flama_env[@]}" "$venv/bin/python" "$root/bench/flama/app.py" mint) ||
    die "minting Flama's token failed"
  start flama "$tmp/flama.log" 60 "${flama_env[@]}" "$venv/bin/uvicorn" --app-dir "$root/bench/flama" \
    app:app --workers 1 --host 127.0.0.1 --port 0 --no-access-log --log-level info
  names+=(flama)
fi

# The exact requests wrk sends must succeed, and the protected route must
# refuse a request without the token.
check() { # check NAME PATH WANT_STATUS WANT_BODY [TOKEN]
  local name=$1 path=$2 want=$3 needle=$4 token=${5:-} out status body
  local args=(-s -o "$tmp/body" -w '%{http_code}' --max-time 10)
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  status=$(curl "${args[@]}" "${url[$name]}$path") || status="(no answer)"
  body=$(cat "$tmp/body" 2>/dev/null || true)
  [ "$status" = "$want" ] || die "$name: GET $path ${token:+with its token }-> $status, want $want: $body"
  [[ "$body" == *"$needle"* ]] || die "$name: GET $path -> body lacks $needle: $body"
}
for name in "${names[@]}"; do
  check "$name" /public/info/ 200 '"public":true'
  check "$name" /private/info/ 200 '"public":false' "${tok[$name]}"
  check "$name" /private/info/ 401 '"status_code":401'
  if [ "$cold" != 0 ] && [ "$name" != flama ]; then
    check "$name" /private/info/ 200 '"public":false' "$(head -n1 "$tmp/tokens.txt")"
    check "$name" /private/info/ 200 '"public":false' "$(tail -n1 "$tmp/tokens.txt")"
  fi
  note "$name at ${url[$name]}: 200 public, 200 protected with its token, 401 without"
done

# run_wrk NAME ROUTE OUT [SECS]: one load run, its raw output in OUT.
run_wrk() {
  local name=$1 route=$2 out=$3 secs=${4:-$duration} path=/public/info/ args=() after=()
  if [ "$route" = protected ]; then
    path=/private/info/
    if [ "$cold" != 0 ] && [ "$name" != flama ]; then
      args=(-s "$tmp/rotate.lua")
      after=(-- "$tmp/tokens.txt")
    else
      args=(-H "Authorization: Bearer ${tok[$name]}")
    fi
  fi
  taskset -c 1 wrk -t1 -c"$connections" -d"${secs}s" --latency "${args[@]}" \
    "${url[$name]}$path" "${after[@]}" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed on $name $route"; }
  if grep -q 'Non-2xx or 3xx responses' "$out"; then
    cat "$out" >&2
    die "$name $route: some answers were not 2xx under load (output above)"
  fi
  grep -q 'Requests/sec' "$out" || { cat "$out" >&2; die "no Requests/sec from wrk on $name $route"; }
}

# cpu_ticks PID: user + system time of PID so far, in clock ticks.
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

results=$tmp/results.tsv
: >"$results"
note "warming up (2 s per server and route)"
for name in "${names[@]}"; do
  for route in public protected; do run_wrk "$name" "$route" "$tmp/warmup" 2; done
done

started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$rounds"); do
  order=("${names[@]}")
  if [ $((round % 2)) = 0 ]; then
    order=()
    for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[$i]}"); done
  fi
  # The routes alternate too, so that a machine growing faster or slower
  # over a round favours neither.
  routes=(public protected)
  [ $((round % 2)) = 0 ] && routes=(protected public)
  for name in "${order[@]}"; do
    for route in "${routes[@]}"; do
      # The server's CPU time (user + system, clock ticks) over the run.
      cpu_before=$(cpu_ticks "${spid[$name]}")
      run_wrk "$name" "$route" "$tmp/wrk.out"
      cpu_after=$(cpu_ticks "${spid[$name]}")
      python3 - "$round" "$name" "$route" "$tmp/wrk.out" $((cpu_after - cpu_before)) "$(getconf CLK_TCK)" \
        >>"$results" <<'PY'
import re, sys
round_, name, route, path, ticks, hz = sys.argv[1:7]
text = open(path).read()
unit = {"us": 1.0, "ms": 1e3, "s": 1e6}
def pct(p):
    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, text, re.M)
    return float(m.group(1)) * unit[m.group(2)] if m else float("nan")
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
done = int(re.search(r"(\d+) requests in", text).group(1))
cpu = int(ticks) / int(hz) * 1e6 / max(done, 1)  # server CPU µs per request
print(f"{round_}\t{name}\t{route}\t{rps:.1f}\t{pct(50):.1f}\t{pct(99):.1f}\t{cpu:.2f}")
PY
      note "round $round/$rounds $name $route: $(tail -n1 "$results" | cut -f4) req/s"
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (+ uncommitted changes)" || true)
python3 - "$results" <<PY
import statistics, sys
from collections import defaultdict

rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines() if l]
by = defaultdict(list)  # (server, route) -> [(round, rps, p50, p99)]
for r, name, route, rps, p50, p99, cpu in rows:
    by[(name, route)].append((int(r), float(rps), float(p50), float(p99), float(cpu)))
names = [n for n in ["warden", "baseline", "flama"] if (n, "public") in by]
label = {"warden": "Warden (jwt_api)", "baseline": "hand-written axum + jsonwebtoken",
         "flama": "Flama 2.2.2 (uvicorn, 1 worker)"}
med = lambda xs: statistics.median(xs)

print()
cold = $cold
print("End-to-end, alg $alg, $rounds round(s) x ${duration} s, wrk -t1 -c$connections"
      + (f", --cold: Warden and baseline protected cycle through {cold} distinct tokens" if cold else ""))
print("machine: $cpu, $(nproc --all) CPUs; commit $commit$dirty; baseline served by ${BASELINE_SERVE:-axum}::serve")
print("started $started; load average before: $load_before, after: $load_after")
print()
print(f"| {'server':34} | {'route':9} | {'req/s (median)':>14} | {'p50 µs':>8} | {'p99 µs':>8} | {'CPU µs/req':>10} | {'req/s per round':30} |")
print(f"|{'-'*36}|{'-'*11}|{'-'*16}|{'-'*10}|{'-'*10}|{'-'*12}|{'-'*32}|")
for n in names:
    for route in ["public", "protected"]:
        xs = by[(n, route)]
        per = ", ".join(f"{x[1]:.0f}" for x in sorted(xs))
        print(f"| {label[n]:34} | {route:9} | {med([x[1] for x in xs]):14.0f} | "
              f"{med([x[2] for x in xs]):8.1f} | {med([x[3] for x in xs]):8.1f} | "
              f"{med([x[4] for x in xs]):10.2f} | {per:30} |")

def ratio(a, b):
    """Ratio of the medians of req/s; the median and range of the per-round
    ratios (each of two runs next to each other: the paired figure, less
    moved by a machine whose speed drifts between rounds)."""
    ra, rb = by[a], by[b]
    m = med([x[1] for x in ra]) / med([x[1] for x in rb])
    rounds_b = {x[0]: x[1] for x in rb}
    per = [x[1] / rounds_b[x[0]] for x in ra if x[0] in rounds_b]
    return f"{m:.3f}  (paired {med(per):.3f}, per round {min(per):.3f} .. {max(per):.3f})"

def cpu_ratio(n):
    """The server's CPU time per request, public over protected: what the
    protected route costs the server, apart from wrk and the scheduling of
    the two (the server is not always the only thing waiting on its CPU)."""
    pub = {x[0]: x[4] for x in by[(n, "public")]}
    per = [pub[x[0]] / x[4] for x in by[(n, "protected")] if x[0] in pub and x[4] > 0]
    return f"{med(per):.3f}  (per round {min(per):.3f} .. {max(per):.3f})" if per else "n/a"

print()
print("Ratios of req/s (medians over rounds, then the median of the per-round ratios;")
print("higher is better for the first):")
if "$alg" == "HS256":
    t_self, t_base = "target >= 0.95", "target >= 1.2"
elif cold:
    t_self, t_base = "(cache misses)", "target >= 0.83 (cold verification within 1.2x of the baseline's aws-lc)"
else:
    t_self, t_base = "target >= 0.9 (cache hit)", "target >= 1.2"
print(f"  Warden protected / Warden public:          {ratio(('warden','protected'), ('warden','public'))}   {t_self}")
print(f"  ... in server CPU per request (public / protected): {cpu_ratio('warden')}")
print(f"  baseline protected / baseline public:      {ratio(('baseline','protected'), ('baseline','public'))}")
print(f"  Warden protected / baseline protected:     {ratio(('warden','protected'), ('baseline','protected'))}   {t_base}")
print(f"  Warden public / baseline public:           {ratio(('warden','public'), ('baseline','public'))}")
if "flama" in names:
    print(f"  Flama protected / Flama public:            {ratio(('flama','protected'), ('flama','public'))}")
    print(f"  Warden protected / Flama protected:        {ratio(('warden','protected'), ('flama','protected'))}   target >= 160")
PY
