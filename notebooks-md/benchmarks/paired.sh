#!/usr/bin/env bash
# Two ntm-bench binaries A and B timed at the same moment, one per core, one thread each, swapping cores
# every round. A shared machine's slow and fast spells then hit both alike, so the ratio B/A of each
# round is steadier than either time. Prints every round, then the median ratio and its range.
#
# Usage: notebooks-md/benchmarks/paired.sh ROUNDS CASE A B     (CASE as in `ntm-bench perf --only`)
# A run of a binary against itself shows the noise floor of the ratio on the machine.
set -euo pipefail
rounds=${1:?usage: paired.sh ROUNDS CASE A B}
case=${2:?usage: paired.sh ROUNDS CASE A B}
a=${3:?usage: paired.sh ROUNDS CASE A B}
b=${4:?usage: paired.sh ROUNDS CASE A B}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
time_case() {  # CORE BINARY OUTFILE: ms per sequence of CASE
    taskset -c "$1" "$2" perf --only "$case" --threads 1 --seconds 1 --json \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["results"][0]["ms_per_sequence"])' > "$3"
}
for round in $(seq 1 "$rounds"); do
    if (( round % 2 )); then ca=0; cb=1; else ca=1; cb=0; fi
    time_case "$ca" "$a" "$tmp/a" &
    time_case "$cb" "$b" "$tmp/b"
    wait
    echo "$(cat "$tmp/a") $(cat "$tmp/b")"
done | python3 -c '
import statistics, sys
rows = [tuple(map(float, line.split())) for line in sys.stdin if line.strip()]
for i, (x, y) in enumerate(rows, 1):
    print(f"round {i}: A {x:.3f}  B {y:.3f}  B/A {y / x:.3f}")
ratios = [y / x for x, y in rows]
print(f"A median {statistics.median(x for x, _ in rows):.3f}, B median {statistics.median(y for _, y in rows):.3f} ms/seq; "
      f"B/A median {statistics.median(ratios):.3f} (range {min(ratios):.3f}-{max(ratios):.3f}, {len(rows)} rounds)")
'
