#!/usr/bin/env bash
# Would memory operations vectorised across the batch keep every number and be fast? Builds
# batch_lane_probe.swift (cosine similarity and the content softmax, forward, one SIMD lane per sequence of
# a shard of 16) against this checkout's per-sequence kernels in a scratch package, checks the bits and
# times both.
#
# Usage: notebooks-md/benchmarks/batch_lane_probe.sh [SCRATCH_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$(mktemp -d)}
. "$root/notebooks-md/benchmarks/scratch_package.sh"
src=$(scratch_package "$dir" probe)
for f in SIMDLoads VectorOps FastMath Math; do cp "$root/Sources/NTMCore/$f.swift" "$src/"; done
for f in CosineSimilarity Softmax; do
    sed 's/^import NTMCore//; s/public //; s/NTMCore\.dot/dot/g' "$root/Sources/NTMMemory/Addressing/$f.swift" > "$src/$f.swift"
done
cp "$root/notebooks-md/benchmarks/batch_lane_probe.swift" "$src/main.swift"
scratch_run "$dir" probe
