#!/usr/bin/env bash
# Instructions per request of the whole server (hyper, axum, Warden's
# serving loop and auth layer, the handler), under callgrind: the
# deterministic counterpart of scripts/bench-e2e.sh, whose wall-clock
# ratios move by ±0.1 on a shared machine. The kernel's share (the socket
# calls, most of a request's time here) is not counted.
#
#   bench/callgrind-server.sh [SECONDS]   (default 5 s of load per variant)
#
# Each server runs under `valgrind --tool=callgrind`; `wrk -t1 -c1` warms
# it up for 2 s, its counters are zeroed (`callgrind_control -z`), wrk loads
# it for SECONDS, and the counters are dumped (`callgrind_control -d`).
# Instructions per request = the dump's total / the requests wrk counted;
# allocations per request = the calls to glibc's allocation functions in the
# dump / the same count (the process's, so hyper, axum and the handler too).
# Variants: `jwt_api` (HS256, verified-token cache on, `RUST_LOG=warn`) and
# the hand-written baseline (`warden-bench-baseline` on `axum::serve`), each
# on the public and the protected route; and `jwt_api`'s public route sent
# the token's header, whose parsing is part of a protected request's cost
# but not Warden's. The dumps stay, with their request counts beside them,
# for bench/cgdiff.py (where the instructions of one differ from another's).
# Needs valgrind, wrk, openssl. Not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/server.sh
secs=${1:-5}
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
need callgrind-server valgrind callgrind_control callgrind_annotate wrk openssl curl
cargo build --release --locked -q -p warden-examples --example jwt_api
cargo build --release --locked -q -p warden-bench --bin warden-bench-baseline --bin warden-bench-token
target=${CARGO_TARGET_DIR:-$PWD/target}/release
out=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; true' EXIT
secret=$(openssl rand -hex 32)
token=$("$target/warden-bench-token" HS256 "$secret")

# ir NAME BINARY PATH [TOKEN] -> instructions per request
ir() {
  local name=$1 bin=$2 path=$3 tok=${4:-} url hdr=()
  env -i PATH="$PATH" ADDR=127.0.0.1:0 RUST_LOG=warn JWT_SECRET_HEX="$secret" \
    valgrind --tool=callgrind --callgrind-out-file="$out/$name" "$bin" >"$out/$name.log" 2>&1 &
  pid=$!
  url=$(wait_url "$out/$name.log" 300 "$pid")
  [ -n "$url" ] || { cat "$out/$name.log" >&2; echo "callgrind-server: $name did not start" >&2; exit 1; }
  [ -n "$tok" ] && hdr=(-H "Authorization: Bearer $tok")
  [ "$(curl -s -o /dev/null -w '%{http_code}' "${hdr[@]}" "$url$path")" = 200 ] ||
    { echo "callgrind-server: $name $path did not answer 200" >&2; exit 1; }
  wrk -t1 -c1 -d2s "${hdr[@]}" "$url$path" >/dev/null
  callgrind_control -z "$pid" >/dev/null 2>&1
  local requests
  requests=$(wrk -t1 -c1 -d"${secs}s" "${hdr[@]}" "$url$path" | awk '/requests in/ { print $1 }')
  callgrind_control -d "$pid" >/dev/null 2>&1
  echo "$requests" >"$out/$name.requests"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
  local total allocs
  total=$(callgrind_annotate "$out/$name.1" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  allocs=$(alloc_calls "$out/$name.1")
  echo "$((total / requests)) $(awk -v a="$allocs" -v n="$requests" 'BEGIN { printf "%.2f", a / n }')"
}

# alloc_calls FILE -> calls to malloc, calloc, realloc, posix_memalign and
# aligned_alloc (Rust's over-aligned allocations) in a callgrind dump
# (its call edges: `cfn=(ID) NAME` names the callee the first time, `(ID)`
# after; the `calls=N` line under it counts them).
alloc_calls() {
  awk '
    /^c?fn=\(/ {
      kind = substr($0, 1, index($0, "=") - 1)
      rest = substr($0, index($0, "(") + 1)
      id = substr(rest, 1, index(rest, ")") - 1)
      name = substr(rest, index(rest, ")") + 2)
      if (name != "") names[id] = name
      callee = (kind == "cfn") ? names[id] : ""
      next
    }
    /^calls=/ && (callee == "malloc" || callee == "calloc" || callee == "realloc" ||
                  callee == "posix_memalign" || callee == "aligned_alloc") {
      n += substr($1, 7)
    }
    END { print n + 0 }
  ' "$1"
}

# row VAR NAME BINARY PATH [TOKEN]: measures NAME, prints its line, and sets
# VAR to its instructions per request.
row() {
  local var=$1 r per_request allocs
  shift
  r=$(ir "$@")
  read -r per_request allocs <<<"$r"
  printf '%-22s %12s %12s\n' "$1" "$per_request" "$allocs"
  printf -v "$var" '%s' "$per_request"
}

printf '%-22s %12s %12s\n' variant 'Ir/request' 'allocs/req'
row w_pub warden-public "$target/examples/jwt_api" /public/info/
row w_hdr warden-public-header "$target/examples/jwt_api" /public/info/ "$token"
row w_prot warden-protected "$target/examples/jwt_api" /private/info/ "$token"
row b_pub baseline-public "$target/warden-bench-baseline" /public/info/
row b_prot baseline-protected "$target/warden-bench-baseline" /private/info/ "$token"
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "Warden public / protected (the cost of protection): $(ratio "$w_pub" "$w_prot")"
echo "Warden public / public with the token's header:     $(ratio "$w_pub" "$w_hdr")"
echo "baseline public / protected:                        $(ratio "$b_pub" "$b_prot")"
echo "baseline / Warden, protected:                       $(ratio "$b_prot" "$w_prot")"
echo "baseline / Warden, public:                          $(ratio "$b_pub" "$w_pub")"
echo "callgrind files: $out (callgrind_annotate FILE.1; per function, one against another:"
echo "  bench/cgdiff.py $out/warden-public-header.1 $out/warden-protected.1)"
