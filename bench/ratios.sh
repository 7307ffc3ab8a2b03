#!/bin/sh
# Prints the ratios of the last `cargo bench -p warden-bench` run, from
# criterion's estimates (median of the samples, per iteration).
# Usage: bench/ratios.sh [TARGET_DIR]   (default: target)
set -eu
dir="${1:-$(dirname "$0")/../target}/criterion"
median() { jq '.median.point_estimate' "$dir/$1/new/estimates.json"; }
ratio() { echo "$(median "$1") $(median "$2")" | awk '{ printf "%.3f", $1 / $2 }'; }
printf '%-34s %10s %10s %7s\n' case 'a (ns)' 'b (ns)' 'a/b'
for case in protected_200 unauthorized_401 forbidden_403; do
    printf '%-34s %10.0f %10.0f %7s\n' "$case warden/baseline" \
        "$(median "warden_$case")" "$(median "baseline_$case")" \
        "$(ratio "warden_$case" "baseline_$case")"
done
for n in 100 1000; do
    printf '%-34s %10.0f %10.0f %7s\n' "routes $n/10" \
        "$(median "warden_routes_$n")" "$(median warden_routes_10)" \
        "$(ratio "warden_routes_$n" warden_routes_10)"
done
