"""Merge one run's measurements into the benchmark tables of notebooks-md/benchmarks.md.

Inputs, all from the same session on the same machine:
  ours-portable.json  -- `ntm-bench perf --json` of the default (portable) release build
  ours-native.json    -- the same, built with `-Xswiftc -target-cpu -Xswiftc native`
  reference.jsonl     -- run_reference.sh (PyTorch eager, torch.compile, JAX jit)

Usage: python3 compare.py DIR   (DIR holds the three files; prints markdown)
Only the standard library is used.
"""
import json
import sys


def load_ours(path):
    with open(path) as f:
        return {r["id"]: r for r in json.load(f)["results"]}


def load_reference(path):
    rows = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r["model"] == "ntm":
                key = f"ntm-L{r['length']}-B{r['batch']}"
            else:
                key = f"{r['model']}{r['layers']}x{r['hidden']}-L{r['length']}-B{r['batch']}"
            rows.setdefault(key, {})[r["impl"]] = r
    return rows


def fmt(x, digits=2):
    return "n/a" if x is None else f"{x:.{digits}f}"


def main(directory):
    portable = load_ours(f"{directory}/ours-portable.json")
    native = load_ours(f"{directory}/ours-native.json")
    reference = load_reference(f"{directory}/reference.jsonl")
    impls = ["torch-eager", "torch-compile", "jax-jit"]
    print("Milliseconds per sequence (one training step divided by the batch), median of repeated steps;")
    print("speed-up = the fastest reference / ntm-kit portable.\n")
    print("| case | " + " | ".join(impls) + " | ntm-kit portable | ntm-kit native | speed-up (portable) |")
    print("| --- | " + " | ".join("---:" for _ in impls) + " | ---: | ---: | ---: |")
    for case_id, ours in portable.items():
        ref = reference.get(case_id, {})
        times = [ref[i]["ms_per_sequence"] if i in ref else None for i in impls]
        known = [t for t in times if t is not None]
        fastest = min(known) if known else None
        nat = native.get(case_id, {}).get("ms_per_sequence")
        speedup = f"{fastest / ours['ms_per_sequence']:.1f}x" if fastest else "n/a"
        print(f"| {case_id} | " + " | ".join(fmt(t, 3) for t in times)
              + f" | {fmt(ours['ms_per_sequence'], 3)} | {fmt(nat, 3)} | {speedup} |")
    print("\nntm-kit details (portable build):\n")
    print("| case | threads | ms/step | sequences/s | GFLOP/s | peak MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for case_id, r in portable.items():
        print(f"| {case_id} | {r['threads']} | {fmt(r['ms_per_step'], 3)} | {fmt(r['sequences_per_second'], 0)} "
              f"| {fmt(r['gflops'], 1)} | {fmt(r['peak_rss_mb'], 0)} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
