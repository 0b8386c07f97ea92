#!/usr/bin/env bash
# The memory and matrix kernels of two revisions timed against each other in one process (see
# kernel_ab_main.swift): builds a scratch package from `git show OLD:…` and `git show NEW:…` of the kernel
# files and runs it. Prints each kernel's fastest time per call for both and their ratios.
#
# Usage: notebooks-md/benchmarks/kernel_ab.sh OLD_REV NEW_REV [SCRATCH_DIR]
set -euo pipefail
old=${1:?usage: kernel_ab.sh OLD_REV NEW_REV [SCRATCH_DIR]}
new=${2:?usage: kernel_ab.sh OLD_REV NEW_REV [SCRATCH_DIR]}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${3:-$(mktemp -d)}
. "$root/notebooks-md/benchmarks/scratch_package.sh"
src=$(scratch_package "$dir" kbench)
cd "$root"
for f in SIMDLoads VectorOps FastMath Math; do git show "$new:Sources/NTMCore/$f.swift" > "$src/$f.swift"; done
kernels="Sources/NTMMemory/WeightedRead.swift Sources/NTMMemory/Addressing/CircularShift.swift Sources/NTMMemory/Addressing/Softmax.swift Sources/NTMCore/MatMul.swift"
for f in $kernels; do
    b=$(basename "$f" .swift)
    git show "$new:$f" | sed 's/^import NTMCore//; s/public //' > "$src/New$b.swift"
    git show "$old:$f" | sed -E 's/^import NTMCore//; s/public //; s/enum ([A-Za-z]+)/enum Old\1/;
        s/(func |    |\(|= |: |\{ )(gemmNT|gemvNT|gemmAccumulate|gemmAccumulateTN|accumulateRow|transpose|gemmReference|addColumnSums)\(/\1old_\2(/g' > "$src/Old$b.swift"
done
cp "$root/notebooks-md/benchmarks/kernel_ab_main.swift" "$src/main.swift"
scratch_run "$dir" kbench
