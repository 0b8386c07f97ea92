"""Tables of a speed2.sh session: ntm-kit before and after, and the references, per case.

Usage: python3 compare_speed2.py DIR   (prints markdown; only the standard library is used)
ntm-kit's time is the faster of its two runs (after-1, after-2), taken before and after the references.
"""
import json
import sys

from compare import load_ours, load_reference, fmt


def main(directory):
    before = load_ours(f"{directory}/before.json")
    after = [load_ours(f"{directory}/after-{i}.json") for i in (1, 2)]
    reference = load_reference(f"{directory}/reference.jsonl")
    impls = ["torch-eager", "torch-compile", "jax-jit"]
    print("| case | " + " | ".join(impls) + " | ntm-kit before | ntm-kit after (runs 1, 2) | after / fastest peer |")
    print("| --- | " + " | ".join("---:" for _ in impls) + " | ---: | ---: | ---: |")
    for case_id in after[0]:
        ref = reference.get(case_id, {})
        times = [ref[i]["ms_per_sequence"] if i in ref else None for i in impls]
        known = [t for t in times if t is not None]
        runs = [a[case_id]["ms_per_sequence"] for a in after if case_id in a]
        best = min(runs)
        ratio = f"{min(known) / best:.2f}x faster" if known else "n/a"
        b = before.get(case_id, {}).get("ms_per_sequence")
        print(f"| {case_id} | " + " | ".join(fmt(t, 3) for t in times)
              + f" | {fmt(b, 3)} | {fmt(best, 3)} ({', '.join(fmt(r, 3) for r in runs)}) | {ratio} |")
    print("\nntm-kit after, details (the faster run):\n")
    print("| case | threads | kernels | ms/step | GFLOP/s | peak MB |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for case_id in after[0]:
        r = min((a[case_id] for a in after if case_id in a), key=lambda r: r["ms_per_sequence"])
        print(f"| {case_id} | {r['threads']} | {r.get('kernels', '?')} | {fmt(r['ms_per_step'], 3)} "
              f"| {fmt(r['gflops'], 1)} | {fmt(r['peak_rss_mb'], 0)} |")


if __name__ == "__main__":
    sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
