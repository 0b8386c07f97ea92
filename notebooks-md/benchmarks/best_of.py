"""Summarise interleaved.sh: per NTM case, the fastest and the median run of ntm-kit and of each reference.

Usage: python3 best_of.py DIR   (DIR holds ours.jsonl and reference.jsonl; prints markdown)
Each line of ours.jsonl is one `ntm-bench perf --only CASE --json`; each line of reference.jsonl one
`bench_reference.py --json`. Only the standard library is used.
"""
import json
import statistics
import sys


def runs(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main(directory):
    ours, ref = {}, {}
    for r in runs(f"{directory}/ours.jsonl"):
        for row in r["results"]:
            ours.setdefault(row["id"], []).append(row["ms_per_sequence"])
    for r in runs(f"{directory}/reference.jsonl"):
        key = f"ntm-L{r['length']}-B{r['batch']}"
        ref.setdefault(key, {}).setdefault(r["impl"], []).append(r["ms_per_sequence"])
    print("Milliseconds per sequence: fastest / median of the runs (runs in brackets); the ratio is the")
    print("fastest reference's time over ntm-kit's, fastest against fastest and median against median.\n")
    print("| case | ntm-kit | jax-jit | torch-compile | ratio, fastest | ratio, median |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for case in sorted(ours, key=lambda c: (int(c.split("-")[1][1:]), int(c.split("-")[2][1:]))):
        mine = ours[case]
        cells, best, mid = [], [], []
        for impl in ["jax-jit", "torch-compile"]:
            times = ref.get(case, {}).get(impl)
            if not times:
                cells.append("n/a")
                continue
            cells.append(f"{min(times):.3f} / {statistics.median(times):.3f} ({len(times)})")
            best.append(min(times))
            mid.append(statistics.median(times))
        ratio_best = f"{min(best) / min(mine):.2f}x" if best else "n/a"
        ratio_mid = f"{min(mid) / statistics.median(mine):.2f}x" if mid else "n/a"
        print(f"| {case} | {min(mine):.3f} / {statistics.median(mine):.3f} ({len(mine)}) | "
              + " | ".join(cells) + f" | {ratio_best} | {ratio_mid} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
