#!/usr/bin/env bash
# Reference training-step benchmarks in PyTorch and JAX (see bench_reference.py).
#
# These Python scripts are only a yardstick for the Swift kit's speed; they are
# never a dependency of the Swift package.  Run them from a throwaway venv
# outside the repository, CPU only:
#
#   python3 -m venv /tmp/bench-venv
#   /tmp/bench-venv/bin/pip install torch jax      # CPU wheels are enough
#   /tmp/bench-venv/bin/python notebooks-md/benchmarks/reference_models.py   # golden check first
#   PYTHON=/tmp/bench-venv/bin/python notebooks-md/benchmarks/run_reference.sh results.jsonl
#
# Usage: run_reference.sh OUTPUT.jsonl   (appends one JSON line per run; each run
# is a separate process).  Environment: PYTHON (default /tmp/bench-venv/bin/python),
# REPS (default: each run times ~3 s of steps, at least 5).
# Run it on an otherwise idle machine: the timings use both cores.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUTPUT.jsonl" >&2
    exit 2
fi
out=$1
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-/tmp/bench-venv/bin/python}
export PYTHONDONTWRITEBYTECODE=1    # no __pycache__ next to the scripts
reps_arg=()
if [[ -n ${REPS:-} ]]; then reps_arg=(--reps "$REPS"); fi

bench() {
    echo "== $*" >&2
    "$python" "$here/bench_reference.py" "$@" "${reps_arg[@]}" --json | tail -n 1 >>"$out"
}

# NTM: controller 100 x 1, memory 128 x 20, 1 read + 1 write head, shift range 1.
for impl in torch-eager torch-compile jax-jit; do
    for length in 20 50; do
        for batch in 1 32; do
            bench --impl "$impl" --model ntm --length "$length" --batch "$batch"
        done
    done
done

# LSTM and GRU baselines, batch 32: 3 x 256 and 1 x 256.
for impl in torch-eager jax-jit; do
    for model in lstm gru; do
        for layers in 3 1; do
            for length in 20 50; do
                bench --impl "$impl" --model "$model" --hidden 256 --layers "$layers" \
                      --length "$length" --batch 32
            done
        done
    done
done

echo "results appended to $out" >&2
