#!/usr/bin/env python3
"""Bit errors on the training distribution for every model of a multi-seed run.

Usage: training-distribution.py RUN_DIR [NTM_BENCH]

RUN_DIR is the --out directory of `ntm-bench TASK --seeds ...` (seed<S>/ subdirectories). For every
seed and every model checkpoint, runs

    ntm-bench eval --checkpoint seed<S>/<model>.safetensors --preset seed<S>/config.json \
                   --training-distribution --json

and prints a markdown table of bit errors per sequence on sequences drawn from the task's whole training
distribution (200 per seed, from the evaluation seed), with the mean over the seeds. Standard library only.
"""
import json
import os
import subprocess
import sys


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[2])
    run = sys.argv[1]
    bench = sys.argv[2] if len(sys.argv) == 3 else "ntm-bench"
    def finished(s):
        try:
            with open(os.path.join(run, f"seed{s}", "results.json")) as f:
                return json.load(f).get("status") == "finished"
        except (OSError, ValueError):
            return False
    seeds = sorted(int(d[4:]) for d in os.listdir(run) if d.startswith("seed") and d[4:].isdigit())
    seeds = [s for s in seeds if finished(s)]
    if not seeds:
        sys.exit(f"{run}: no finished seed<S>/ runs (is it the --out of a --seeds run?)")
    models = [m for m in ("ntm", "lstm", "gru", "rnn") if os.path.exists(os.path.join(run, f"seed{seeds[0]}", f"{m}.safetensors"))]
    table = {}
    for s in seeds:
        d = os.path.join(run, f"seed{s}")
        for m in models:
            out = subprocess.run([bench, "eval", "--checkpoint", os.path.join(d, f"{m}.safetensors"),
                                  "--preset", os.path.join(d, "config.json"), "--training-distribution", "--json"],
                                 check=True, capture_output=True, text=True).stdout
            table[(s, m)] = json.loads(out)["training_distribution"]["bit_errors"]
    print("| seed | " + " | ".join(f"{m} bit errors" for m in models) + " |")
    print("| ---: | " + " | ".join("---:" for _ in models) + " |")
    for s in seeds:
        print(f"| {s} | " + " | ".join(f"{table[(s, m)]:.4g}" for m in models) + " |")
    means = [sum(table[(s, m)] for s in seeds) / len(seeds) for m in models]
    print("| mean | " + " | ".join(f"{v:.4g}" for v in means) + " |")
    under = [sum(table[(s, m)] < 1 for s in seeds) for m in models]
    print("| seeds under 1 | " + " | ".join(f"{u} of {len(seeds)}" for u in under) + " |")


if __name__ == "__main__":
    main()
