#!/usr/bin/env bash
# The Speed II session: ntm-kit before and after the C kernels, and PyTorch eager, torch.compile and JAX jit,
# on the same machine in the same run, kit runs before and after the references (see run_reference.sh for
# the Python venv, which is never a dependency of the package). Run on an otherwise idle machine.
#
# Usage: speed2.sh OUTDIR BEFORE_BINARY [AFTER_BINARY]
#   BEFORE_BINARY: an ntm-bench release binary of the earlier commit (built in a worktree of it);
#   AFTER_BINARY defaults to this checkout's .build/release/ntm-bench.
# Writes OUTDIR/{before,after-1,after-2}.json, OUTDIR/reference.jsonl, OUTDIR/machine.txt; then
#   python3 notebooks-md/benchmarks/compare_speed2.py OUTDIR
# prints the tables. torch.compile at L 50, batch 32 is left out: it compiles for about 15 minutes
# (2026-12-02 section of benchmarks.md).
set -euo pipefail
out=${1:?usage: speed2.sh OUTDIR BEFORE_BINARY [AFTER_BINARY]}
before=${2:?usage: speed2.sh OUTDIR BEFORE_BINARY [AFTER_BINARY]}
root=$(cd "$(dirname "$0")/../.." && pwd)
after=${3:-$root/.build/release/ntm-bench}
python=${PYTHON:-/tmp/bench-venv/bin/python}
mkdir -p "$out"
lscpu | grep -E "Model name|^CPU\(s\)|Flags" | cut -c1-300 > "$out/machine.txt"
"$after" perf --json > "$out/after-1.json"
"$before" perf --json > "$out/before.json"
: > "$out/reference.jsonl"
bench() {
    echo "== $*" >&2
    "$python" "$root/notebooks-md/benchmarks/bench_reference.py" "$@" --json | tail -n 1 >>"$out/reference.jsonl"
}
for impl in jax-jit torch-compile torch-eager; do
    for length in 20 50; do
        for batch in 1 32; do
            if [[ $impl == torch-compile && $length == 50 && $batch == 32 ]]; then continue; fi
            bench --impl "$impl" --model ntm --length "$length" --batch "$batch"
        done
    done
done
for impl in torch-eager jax-jit; do
    for model in lstm gru; do
        for layers in 3 1; do
            for length in 20 50; do
                bench --impl "$impl" --model "$model" --hidden 256 --layers "$layers" --length "$length" --batch 32
            done
        done
    done
done
"$after" perf --json > "$out/after-2.json"
echo "done: $out" >&2
