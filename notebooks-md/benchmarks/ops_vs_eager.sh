#!/usr/bin/env bash
# The NTM written with ops (ntm-ops) beside the fused NTM and the same NTM in PyTorch eager, one core
# each, alternated over rounds so that the machine's drift hits all three alike.
#   usage: notebooks-md/benchmarks/ops_vs_eager.sh PYTHON [ROUNDS]
# PYTHON is a Python with torch installed (a virtual environment outside the package).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${1:?usage: ops_vs_eager.sh PYTHON [ROUNDS]}
ROUNDS=${2:-3}
swift build -c release --product ntm-bench >/dev/null
for r in $(seq 1 "$ROUNDS"); do
  echo "# round $r"
  .build/release/ntm-bench perf --threads 1 --json \
    --only ntm-L20-B1,ntm-ops-L20-B1,ntm-L20-B32,ntm-ops-L20-B32,ntm-L50-B1,ntm-ops-L50-B1,ntm-L50-B32,ntm-ops-L50-B32
  for case in "20 1" "20 32" "50 1"; do
    set -- $case
    "$PY" notebooks-md/benchmarks/ntm_eager.py --length "$1" --batch "$2" --threads 1 --seconds 3
  done
done
