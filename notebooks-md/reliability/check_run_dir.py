#!/usr/bin/env python3
"""Checks that every file of an ntm-bench run directory parses, with nothing but the standard library.

usage: check_run_dir.py DIR                 exit 0 when every file parses, 1 otherwise (problems on stdout)
       check_run_dir.py --compare A B        exit 0 when two finished runs hold the same numbers
                                             (results.json without wall_seconds/command, model checkpoints
                                             byte for byte, curves without their seconds column)

safetensors: the 8-byte header length, the JSON header, every tensor's dtype/shape/offsets tiling the
data section exactly (the kit's own reader's rules). JSON: json.loads. CSV: a header and rows of the
same width. Hidden temporaries of the atomic writer (.NAME.tmp-PID-HEX) are reported separately: a
killed writer leaves them, the next run removes them, and they are never read.
"""
import json
import os
import struct
import sys


def check_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        return "shorter than 8 bytes"
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        return f"header length {n} beyond the file"
    header = json.loads(data[8:8 + n].decode("utf-8"))
    size = len(data) - 8 - n
    spans = []
    for name, entry in header.items():
        if name == "__metadata__":
            if not all(isinstance(v, str) for v in entry.values()):
                return "non-string metadata"
            continue
        if entry["dtype"] != "F32":
            return f"{name}: dtype {entry['dtype']}"
        count = 1
        for d in entry["shape"]:
            count *= d
        b, e = entry["data_offsets"]
        if e - b != 4 * count:
            return f"{name}: {e - b} bytes for shape {entry['shape']}"
        spans.append((b, e))
    cursor = 0
    for b, e in sorted(spans):
        if b != cursor:
            return "tensors do not tile the data section"
        cursor = e
    if cursor != size:
        return f"{size - cursor} trailing bytes"
    return None


def check_csv(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if not lines:
        return "empty"
    width = len(lines[0].split(","))
    for i, line in enumerate(lines[1:], 2):
        if len(line.split(",")) != width:
            return f"line {i} has {len(line.split(','))} fields, the header {width}"
    return None


def check_dir(root):
    problems, temporaries, checked = [], [], 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if ".tmp-" in name and name.startswith("."):
                temporaries.append(rel)
                continue
            try:
                if name.endswith(".safetensors"):
                    err = check_safetensors(path)
                elif name.endswith(".json"):
                    with open(path, encoding="utf-8") as f:
                        json.load(f)
                    err = None
                elif name.endswith(".csv"):
                    err = check_csv(path)
                elif name == ".lock":
                    with open(path, encoding="utf-8") as f:
                        text = f.read()
                    err = None
                    if text:
                        json.loads(text)
                else:
                    continue
            except Exception as e:  # noqa: BLE001 - any failure to parse is the finding
                err = f"{type(e).__name__}: {e}"
            checked += 1
            if err:
                problems.append(f"{rel}: {err}")
    return problems, temporaries, checked


def strip(v, keys):
    if isinstance(v, dict):
        return {k: strip(x, keys) for k, x in v.items() if k not in keys}
    if isinstance(v, list):
        return [strip(x, keys) for x in v]
    return v


def compare(a, b):
    diffs = []
    ja = json.load(open(os.path.join(a, "results.json")))
    jb = json.load(open(os.path.join(b, "results.json")))
    if "--resume" in jb.get("command", ""):
        diffs.append("the recorded command contains --resume")
    if strip(ja, {"wall_seconds", "command"}) != strip(jb, {"wall_seconds", "command"}):
        diffs.append("results.json")
    if jb.get("status") != "finished":
        diffs.append(f"status {jb.get('status')}")
    for m in ja["models"]:
        name = m["model"] + ".safetensors"
        if open(os.path.join(a, name), "rb").read() != open(os.path.join(b, name), "rb").read():
            diffs.append(name)
    for name in ["learning-curves.csv", "validation.csv"]:
        ra = [l.rsplit(",", 1)[0] for l in open(os.path.join(a, name)).read().splitlines()]
        rb = [l.rsplit(",", 1)[0] for l in open(os.path.join(b, name)).read().splitlines()]
        if ra != rb:
            diffs.append(name)
    return diffs


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--compare":
        d = compare(sys.argv[2], sys.argv[3])
        print("same numbers" if not d else "DIFFER: " + ", ".join(d))
        sys.exit(1 if d else 0)
    problems, temporaries, checked = check_dir(sys.argv[1])
    for p in problems:
        print("UNPARSEABLE", p)
    print(f"checked {checked} files, {len(problems)} unparseable, {len(temporaries)} temporaries")
    sys.exit(1 if problems else 0)
