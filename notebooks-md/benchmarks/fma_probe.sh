#!/usr/bin/env bash
# How much faster could the matrix products be with kernels written for 16-wide registers and FMA? Builds
# fma_probe.swift with this checkout's gemmNT in a scratch package twice, portable and with
# `-target-cpu native`, and prints both tables.
#
# Usage: notebooks-md/benchmarks/fma_probe.sh [SCRATCH_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$(mktemp -d)}
. "$root/notebooks-md/benchmarks/scratch_package.sh"
src=$(scratch_package "$dir" probe)
for f in SIMDLoads MatMul; do cp "$root/Sources/NTMCore/$f.swift" "$src/"; done
cp "$root/notebooks-md/benchmarks/fma_probe.swift" "$src/main.swift"
echo "portable build:"
scratch_run "$dir" probe
echo
echo "native build (-target-cpu native):"
(cd "$dir" && swift build -c release --scratch-path .build-native -Xswiftc -target-cpu -Xswiftc native 2>&1 | grep -E "error" || true)
"$dir/.build-native/release/probe"
