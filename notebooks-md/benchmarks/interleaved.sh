#!/usr/bin/env bash
# The NTM bars of issue 9 on a noisy machine: ntm-kit and the fastest references (JAX jit at every
# size, torch.compile at L 20) alternated case by case for several rounds, so that both sides meet the
# same slow and fast spells of a shared machine. Every run is kept; best_of.py summarises the fastest
# and the median of each side, and their ratios.
#
# Usage: notebooks-md/benchmarks/interleaved.sh OUTDIR [ROUNDS]   (default 5 rounds; writes
# OUTDIR/ours.jsonl, OUTDIR/reference.jsonl and OUTDIR/best-of.md). Environment: PYTHON as in
# run_reference.sh. Run it on an otherwise idle machine; the Python venv is never a dependency.
set -euo pipefail
out=${1:?usage: interleaved.sh OUTDIR [ROUNDS]}
rounds=${2:-5}
mkdir -p "$out"
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/notebooks-md/benchmarks"
python=${PYTHON:-/tmp/bench-venv/bin/python}
export PYTHONDONTWRITEBYTECODE=1
cd "$root"
swift build -c release --product ntm-bench
lscpu | grep -E "Model name|^CPU\(s\)" > "$out/machine.txt"
git rev-parse HEAD > "$out/commit.txt"
: > "$out/ours.jsonl"
: > "$out/reference.jsonl"
for round in $(seq 1 "$rounds"); do
    for length in 20 50; do
        for batch in 1 32; do
            echo "== round $round, L $length, B $batch" >&2
            .build/release/ntm-bench perf --only "ntm-L$length-B$batch" --json | tr -d '\n' >> "$out/ours.jsonl"
            echo >> "$out/ours.jsonl"
            impls=(jax-jit)
            if [[ $length == 20 ]]; then impls+=(torch-compile); fi
            for impl in "${impls[@]}"; do
                "$python" "$here/bench_reference.py" --impl "$impl" --model ntm --length "$length" --batch "$batch" --json \
                    | tail -n 1 >> "$out/reference.jsonl"
            done
        done
    done
done
python3 "$here/best_of.py" "$out" | tee "$out/best-of.md"
