#!/usr/bin/env bash
# One benchmark session, everything on the same machine in the same run: ntm-kit's portable and
# host-tuned builds, then PyTorch eager, torch.compile and JAX jit (see run_reference.sh for the
# Python venv, which is never a dependency of the package). Run on an otherwise idle machine.
#
# Usage: notebooks-md/benchmarks/run_all.sh OUTDIR    (writes OUTDIR/*.json* and OUTDIR/tables.md)
set -euo pipefail
out=${1:?usage: run_all.sh OUTDIR}
mkdir -p "$out"
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
swift build -c release --product ntm-bench
swift build -c release --product ntm-bench --scratch-path .build-native -Xswiftc -target-cpu -Xswiftc native
lscpu | grep -E "Model name|^CPU\(s\)|Flags" | cut -c1-200 > "$out/machine.txt"
.build/release/ntm-bench perf --json > "$out/ours-portable.json"
.build-native/release/ntm-bench perf --json > "$out/ours-native.json"
: > "$out/reference.jsonl"
"$root/notebooks-md/benchmarks/run_reference.sh" "$out/reference.jsonl"
python3 "$root/notebooks-md/benchmarks/compare.py" "$out" > "$out/tables.md"
cat "$out/tables.md"
