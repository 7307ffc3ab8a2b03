#!/usr/bin/env bash
# Where the server's CPU time goes under load, kernel included: `perf record`
# (the cpu-clock software event, which needs no hardware counters, so it
# works in VMs) attached to `jwt_api` (HS256, verified-token cache on) while
# `wrk -t1 -c32` loads one route. Prints the share of the samples in the
# kernel, in user space, and in Warden's auth path (`warden::auth`,
# `warden::jwt`, the token cache, the clock read for `exp`), then the
# functions with the most samples.
#
#   bench/perf-server.sh [public|protected] [SECONDS]   (default: protected, 8)
#
# The shares are fractions of one run, so they hold however fast the
# machine happens to be; absolute times do not. Shared functions (malloc,
# memcmp, the extension map) are not counted as auth path, so its share is
# a floor. Needs perf (kernel.perf_event_paranoid <= 2), wrk, openssl. The
# server is pinned to CPU 0 and wrk to CPU 1, as in scripts/bench-e2e.sh.
# Not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/server.sh
route=${1:-protected}
secs=${2:-8}
case $route in
  public) path=/public/info/ ;;
  protected) path=/private/info/ ;;
  *) echo "usage: $0 [public|protected] [SECONDS]" >&2; exit 2 ;;
esac
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [public|protected] [SECONDS]" >&2; exit 2; }
need perf-server perf wrk openssl python3 taskset curl
cargo build --release --locked -q -p warden-examples --example jwt_api
cargo build --release --locked -q -p warden-bench --bin warden-bench-token
target=${CARGO_TARGET_DIR:-$PWD/target}/release
out=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$out"' EXIT
secret=$(openssl rand -hex 32)
token=$("$target/warden-bench-token" HS256 "$secret")

env -i PATH="$PATH" ADDR=127.0.0.1:0 RUST_LOG=warn JWT_SECRET_HEX="$secret" \
  taskset -c 0 "$target/examples/jwt_api" >"$out/log" 2>&1 &
pid=$!
url=$(wait_url "$out/log" 100 "$pid")
[ -n "$url" ] || { cat "$out/log" >&2; echo "perf-server: jwt_api did not start" >&2; exit 1; }
hdr=()
[ "$route" = protected ] && hdr=(-H "Authorization: Bearer $token")
[ "$(curl -s -o /dev/null -w '%{http_code}' "${hdr[@]}" "$url$path")" = 200 ] ||
  { echo "perf-server: $path did not answer 200" >&2; exit 1; }
taskset -c 1 wrk -t1 -c32 -d2s "${hdr[@]}" "$url$path" >/dev/null # warm-up
perf record -q -e cpu-clock -F 2000 -p "$pid" -o "$out/perf.data" 2>"$out/perf.log" &
perf_pid=$!
sleep 0.5
requests=$(taskset -c 1 wrk -t1 -c32 -d"${secs}s" "${hdr[@]}" "$url$path" | awk '/requests in/ { print $1 }')
kill -INT "$perf_pid"
wait "$perf_pid" 2>/dev/null || true
[ -s "$out/perf.data" ] || { cat "$out/perf.log" >&2; echo "perf-server: perf recorded nothing" >&2; exit 1; }

perf report -i "$out/perf.data" --no-children --sort sym --stdio -F sample,sym 2>/dev/null |
  python3 -c '
import re, sys
route, requests = sys.argv[1], int(sys.argv[2])
auth = re.compile(r"warden::auth::(decision|grants|source|claims)|warden::jwt::|quick_cache"
                  r"|AuthService<S> as tower_service|drop_in_place<warden::auth::claims::Claims>"
                  r"|SystemTime")
KERNEL, USER, HZ = "k", ".", 2000
rows, total = [], 0
for line in sys.stdin:
    m = re.match(r"\s*(\d+)\s+\[(.)\]\s+(.*)", line)
    if m:
        n = int(m.group(1))
        total += n
        rows.append((n, m.group(2), m.group(3).strip()))
if not total or not requests:
    sys.exit("perf-server: no samples or no requests")
def samples(pick):
    return sum(n for n, k, f in rows if pick(k, f))
kernel = samples(lambda k, f: k == KERNEL)
user = samples(lambda k, f: k == USER)
in_auth = samples(lambda k, f: k == USER and auth.search(f))
per_request = lambda n: n / HZ / requests * 1e6
print(f"jwt_api, {route} route: {requests} requests, {total} samples")
print(f"  kernel     {kernel / total:6.1%}  {per_request(kernel):6.2f} us/request")
print(f"  user space {user / total:6.1%}  {per_request(user):6.2f} us/request")
print(f"  auth path  {in_auth / total:6.2%}  {per_request(in_auth):6.2f} us/request  (Warden auth functions, own samples)")
print("  (shares hold however fast the machine is; the times move with it)")
print("  top functions:")
for n, k, f in sorted(rows, reverse=True)[:15]:
    where = "kernel" if k == KERNEL else "user"
    print(f"    {n / total:6.2%}  [{where}] {f[:100]}")
' "$route" "$requests"
