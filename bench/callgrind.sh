#!/bin/sh
# Instructions per request under callgrind (deterministic), and the ratios.
# "no-sha" leaves out sha2's compress256: valgrind's CPU has no SHA
# extensions, so SHA-256 runs in software here, while natively (sha_ni) it is
# a small part of a request. Both sides do the same HMAC.
# Usage: bench/callgrind.sh [N]   (default 2000 requests per variant)
set -eu
n="${1:-2000}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --release -q -p warden-bench --bin warden-bench-count --manifest-path "$root/Cargo.toml"
bin="$root/target/release/warden-bench-count"
out="$(mktemp -d)"
ir() { # variant -> "total sha" instructions per request
    valgrind --tool=callgrind --callgrind-out-file="$out/$1" --toggle-collect='*count::run*' \
        "$bin" "$1" "$n" >/dev/null 2>&1
    total=$(callgrind_annotate "$out/$1" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
    sha=$(callgrind_annotate "$out/$1" | awk '/compress256/ { gsub(",", "", $1); s += $1 } END { print s + 0 }')
    echo "$total $sha" | awk -v n="$n" '{ printf "%d %d", $1 / n, ($1 - $2) / n }'
}
printf '%-18s %12s %12s\n' variant 'Ir/request' 'no-sha'
for v in warden-public baseline-public warden-200 baseline-200 warden-cookie warden-cached warden-401 baseline-401 warden-403 baseline-403 \
    scale-10 scale-100 scale-1000; do
    set -- $(ir "$v")
    printf '%-18s %12s %12s\n' "$v" "$1" "$2"
    eval "ir_$(echo "$v" | tr - _)='$1 $2'"
done
ratio() { # a b -> "total no-sha" ratios
    echo "$1 $2" | awk '{ printf "%.3f %.3f", $1 / $3, $2 / $4 }'
}
echo
printf '%-34s %7s %7s\n' ratio Ir no-sha
for c in 200 401 403; do
    eval "a=\$ir_warden_$c; b=\$ir_baseline_$c"
    set -- $(ratio "$a" "$b")
    printf '%-34s %7s %7s\n' "$c warden/baseline" "$1" "$2"
done
for side in warden baseline; do
    eval "a=\$ir_${side}_200; b=\$ir_${side}_public"
    set -- $(ratio "$a" "$b")
    printf '%-34s %7s %7s\n' "$side protected/public" "$1" "$2"
done
for s in 100 1000; do
    eval "a=\$ir_scale_$s"
    set -- $(ratio "$a" "$ir_scale_10")
    printf '%-34s %7s %7s\n' "routes $s/10" "$1" "$2"
done
echo
echo "scaling with the request (Ir/request; linear: the step per item stays flat)"
for v in perms-10 perms-100 perms-1000 cookies-1 cookies-10 cookies-50; do
    set -- $(ir "$v")
    printf '%-18s %12s %12s\n' "$v" "$1" "$2"
done
echo "callgrind files: $out"
