#!/usr/bin/env python3
"""Per-function instructions per request, one callgrind dump against another.

    bench/cgdiff.py BEFORE AFTER [--top N] [--self]

BEFORE and AFTER are dumps that bench/callgrind-server.sh left (the
`callgrind files:` line it prints names their directory, e.g.
`$dir/warden-public.1` and `$dir/warden-protected.1`); each has its request
count beside it (`$dir/NAME.requests`). Prints, per function, AFTER's
instructions per request minus BEFORE's, then BEFORE's and AFTER's, largest
differences first: inclusive of callees by default, or each function's own
with `--self`. Where a protected request's extra instructions go: the public
route's dump against the protected route's.
"""

import argparse
import pathlib
import re
import subprocess
import sys

LINE = re.compile(r"^\s*([\d,]+)\s+\([^)]*\)\s+(?:\*\s+)?(.*?)\s*$")


def per_request(dump: pathlib.Path, inclusive: bool) -> tuple[float, dict[str, float]]:
    """The dump's total and its functions' costs, per request."""
    stem = dump.name.rsplit(".", 1)[0]
    requests_file = dump.with_name(stem + ".requests")
    try:
        requests = int(requests_file.read_text().strip())
    except (OSError, ValueError):
        sys.exit(f"cgdiff: no request count in {requests_file}")
    if requests <= 0:
        sys.exit(f"cgdiff: {requests_file} counts no request")
    flag = "--inclusive=yes" if inclusive else "--inclusive=no"
    annotated = subprocess.run(
        ["callgrind_annotate", flag, "--threshold=100", str(dump)],
        capture_output=True, text=True, check=True,
    ).stdout
    costs: dict[str, float] = {}
    total = 0.0
    for line in annotated.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        if "PROGRAM TOTALS" in line:
            total = int(match.group(1).replace(",", "")) / requests
            continue
        name = match.group(2)
        # `file:function [object]`: the file is `???` without debug info.
        location, _, rest = name.partition(":")
        if rest and " " not in location:
            name = rest
        # `[object]`: dropped, so that two builds' dumps compare.
        name = re.sub(r" \[[^\]]*\]$", "", name)
        costs[name] = costs.get(name, 0.0) + int(match.group(1).replace(",", "")) / requests
    return total, costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=pathlib.Path)
    parser.add_argument("after", type=pathlib.Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--self", dest="own", action="store_true",
                        help="each function's own instructions, not its callees'")
    args = parser.parse_args()
    total_before, before = per_request(args.before, not args.own)
    total_after, after = per_request(args.after, not args.own)
    # The threads' outer frames (tokio's worker loop, thread start) carry
    # nearly the whole total in either mode and say nothing.
    rows = [f for f in set(before) | set(after)
            if before.get(f, 0.0) < 0.9 * total_before or after.get(f, 0.0) < 0.9 * total_after]
    rows.sort(key=lambda f: -abs(after.get(f, 0.0) - before.get(f, 0.0)))
    print(f"{'diff':>8} {'before':>8} {'after':>8}  function (instructions per request)")
    print(f"{total_after - total_before:8.0f} {total_before:8.0f} {total_after:8.0f}  (total)")
    for name in rows[: args.top]:
        b, a = before.get(name, 0.0), after.get(name, 0.0)
        print(f"{a - b:8.0f} {b:8.0f} {a:8.0f}  {name[:160]}")


if __name__ == "__main__":
    main()
