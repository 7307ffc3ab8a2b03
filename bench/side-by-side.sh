#!/usr/bin/env bash
# The protected route's cost against the public route's, measured in the
# same seconds: two `jwt_api` processes (same build, same key, the
# verified-token cache on) share CPU 0 while two `wrk -t1 -c32` on CPU 1
# load them at once, one on `/public/info/`, the other on `/private/info/`
# with a token. Which process serves which route swaps every round, so a
# difference between the two processes cancels out.
#
#   bench/side-by-side.sh [--alg HS256|RS256|ES256|EdDSA]
#                         [--control|--header|--against BINARY]
#                         [ROUNDS] [SECONDS]   (default HS256, 20 rounds of 4 s)
#
# --alg: the token's algorithm; an asymmetric one runs `jwt_api` with a
# fresh openssl key pair (`JWT_SIGNING_KEY`, `JWT_ALGORITHMS`), its
# verified-token cache on, so the protected route is the cache-hit path.
#
# --control loads the public route in both columns: the method's own error
# (the ratios should come out 1.0). --header loads the public route in both,
# the second one sent the protected route's `Authorization` header (which
# the public route ignores): what the longer request alone costs (its bytes
# through the kernel, hyper parsing the header), without Warden's check.
# --against BINARY runs BINARY (another build of `jwt_api`, e.g. a copy of
# target/release/examples/jwt_api made before a change) as the first server
# and this checkout's build as the second, both loaded on the protected
# route: the ratio is then the old build's CPU per request over the new
# one's (above 1.0: the change made the protected route cheaper), which
# tells a change worth 1% apart where two separate runs of the default mode
# drift by as much.
#
# Why: scripts/bench-e2e.sh loads one server and route at a time, so a
# route's figures come from other seconds than the other route's, and on a
# VM whose speed drifts (steal time) its single rounds differ by +-30%.
# Here both routes run through the same slow and fast spells. Per round it
# prints each route's requests and server CPU time (utime + stime from
# /proc/PID/stat, all threads, 10 ms ticks), and the ratio of CPU time per
# request (public / protected: 1.0 means protection is free) and of req/s
# (meaningful only while both servers are kept busy: the kernel then gives
# each half of CPU 0). Medians over the rounds at the end.
# Needs 2 CPUs, wrk, openssl, curl, taskset. Not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/server.sh
mode=protected
alg=HS256
against=""
while [ $# -gt 0 ]; do
  case $1 in
    --control) mode=control; shift ;;
    --header) mode=header; shift ;;
    --against)
      [ $# -ge 2 ] && [ -x "$2" ] || { echo "side-by-side: --against needs an executable jwt_api" >&2; exit 2; }
      mode=against
      against=$2
      shift 2
      ;;
    --alg)
      [ $# -ge 2 ] || { echo "side-by-side: --alg needs a value" >&2; exit 2; }
      alg=$2
      shift 2
      ;;
    *) break ;;
  esac
done
case $alg in
  HS256 | RS256 | ES256 | EdDSA) ;;
  *) echo "side-by-side: --alg takes HS256, RS256, ES256 or EdDSA" >&2; exit 2 ;;
esac
rounds=${1:-20}
secs=${2:-4}
[[ $rounds =~ ^[1-9][0-9]*$ && $secs =~ ^[1-9][0-9]*$ ]] ||
  { echo "usage: $0 [--alg ALG] [--control|--header|--against BINARY] [ROUNDS] [SECONDS]" >&2; exit 2; }
need side-by-side wrk openssl curl taskset
cargo build --release --locked -q -p warden-examples --example jwt_api
cargo build --release --locked -q -p warden-bench --bin warden-bench-token
target=${CARGO_TARGET_DIR:-$PWD/target}/release
out=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$out"' EXIT
if [ "$alg" = HS256 ]; then
  secret=$(openssl rand -hex 32)
  server_env=(JWT_SECRET_HEX="$secret")
  token=$("$target/warden-bench-token" HS256 "$secret")
else
  make_key "$alg" "$out/key.pem" || { echo "side-by-side: openssl could not make the $alg key" >&2; exit 1; }
  server_env=(JWT_SIGNING_KEY="$out/key.pem" JWT_ALGORITHMS="$alg")
  token=$("$target/warden-bench-token" "$alg" "$out/key.pem")
fi
[ -n "$token" ] || { echo "side-by-side: minting the token failed" >&2; exit 1; }
auth=(-H "Authorization: Bearer $token")

urls=()
bins=("$target/examples/jwt_api" "$target/examples/jwt_api")
# Against another build: four servers, started old, new, new, old, and the
# rounds alternate between the pairs (0, 1) and (3, 2), so that neither
# build is always the one started first.
[ -z "$against" ] || bins=("$against" "${bins[0]}" "${bins[0]}" "$against")
servers=$(seq 0 $((${#bins[@]} - 1)))
for i in $servers; do
  env -i PATH="$PATH" ADDR=127.0.0.1:0 RUST_LOG=warn "${server_env[@]}" \
    taskset -c 0 "${bins[$i]}" >"$out/server$i.log" 2>&1 &
  pids+=($!)
  url=$(wait_url "$out/server$i.log" 100 "${pids[$i]}")
  [ -n "$url" ] || { cat "$out/server$i.log" >&2; echo "side-by-side: server $i did not start" >&2; exit 1; }
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/public/info/")" = 200 ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$url/private/info/")" = 200 ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/private/info/")" = 401 ] ||
    { echo "side-by-side: server $i does not answer 200/200/401" >&2; exit 1; }
  urls+=("$url")
done

# cpu_ticks PID -> utime + stime of the whole process, in clock ticks.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# load I ROUTE SECS FILE: wrk on server I's ROUTE, its output in FILE.
load() {
  local i=$1 route=$2 s=$3 file=$4 hdr=()
  local path=/public/info/
  if [ "$route" = protected ] || [ "$mode" = against ]; then
    case $mode in
      protected | against) path=/private/info/; hdr=("${auth[@]}") ;;
      header) hdr=("${auth[@]}") ;;
    esac
  fi
  taskset -c 1 wrk -t1 -c32 -d"${s}s" "${hdr[@]}" "${urls[$i]}$path" >"$file"
}

# Warm both servers on both routes.
for i in $servers; do
  load "$i" public 1 /dev/null
  load "$i" protected 1 /dev/null
done

tck=$(getconf CLK_TCK)
echo "alg: $alg; mode: $mode (second column: $(case $mode in protected) echo "/private/info/ with the token" ;; control) echo "/public/info/" ;; header) echo "/public/info/ with the token's header" ;; against) echo "/private/info/ on this build; first column: $against" ;; esac))"
printf '%-6s %-10s %10s %10s %10s   %-10s %10s %10s %10s   %8s %8s\n' round \
  public req/s cpu_s 'µs/req' protected req/s cpu_s 'µs/req' 'cpu r' 'req/s r'
results=$out/results
: >"$results"
for r in $(seq 1 "$rounds"); do
  pub=$(((r + 1) % 2))
  prot=$((r % 2))
  if [ "$mode" = against ]; then
    if ((r % 2)); then pub=0 prot=1; else pub=3 prot=2; fi
  fi
  t0=$(cpu_ticks "${pids[$pub]}")
  u0=$(cpu_ticks "${pids[$prot]}")
  load "$pub" public "$secs" "$out/pub" &
  a=$!
  load "$prot" protected "$secs" "$out/prot" &
  b=$!
  wait "$a" "$b"
  t1=$(cpu_ticks "${pids[$pub]}")
  u1=$(cpu_ticks "${pids[$prot]}")
  for f in pub prot; do
    ! grep -q 'Non-2xx' "$out/$f" || { cat "$out/$f" >&2; echo "side-by-side: non-2xx answers" >&2; exit 1; }
  done
  np=$(awk '/requests in/ { print $1 }' "$out/pub")
  nq=$(awk '/requests in/ { print $1 }' "$out/prot")
  awk -v r="$r" -v np="$np" -v nq="$nq" -v cp=$((t1 - t0)) -v cq=$((u1 - u0)) \
    -v tck="$tck" -v s="$secs" -v sp="$pub" -v sq="$prot" 'BEGIN {
      cps = cp / tck; cqs = cq / tck
      up = cps * 1e6 / np; uq = cqs * 1e6 / nq
      printf "%-6s %-10s %10.0f %10.2f %10.2f   %-10s %10.0f %10.2f %10.2f   %8.3f %8.3f\n",
        r, "server" sp, np / s, cps, up, "server" sq, nq / s, cqs, uq, up / uq, nq / np
      printf "%.5f %.5f\n", up / uq, nq / np >> "/dev/stderr"
    }' 2>>"$results"
done

echo
cols="public / protected"
[ "$mode" = against ] && cols="against / this build"
awk -v cols="$cols" '{ c[NR] = $1; q[NR] = $2 } END {
  n = asort_c(c, NR); m = asort_c(q, NR)
  med = (NR % 2) ? c[(NR + 1) / 2] : (c[NR / 2] + c[NR / 2 + 1]) / 2
  medq = (NR % 2) ? q[(NR + 1) / 2] : (q[NR / 2] + q[NR / 2 + 1]) / 2
  printf "median over %d rounds: CPU per request, %s %.3f (rounds %.3f .. %.3f)\n", NR, cols, med, c[1], c[NR]
  printf "                       req/s, second / first                %.3f (rounds %.3f .. %.3f)\n", medq, q[1], q[NR]
}
function asort_c(a, n,   i, j, t) {
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return n
}' "$results"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
