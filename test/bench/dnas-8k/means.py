#!/usr/bin/env python3
"""Two-seed means of the held-out metrics docs/results/2026-12-05-dnas-8k.md compares, and their
differences from a reference pair, read from the store's run records (per-run lines:
test/bench/dnas-default/summary.py; search traces: test/bench/dnas-voices/summary.py).

    python3 test/bench/dnas-8k/means.py STORE REF_SEED42 REF_SEED1001 [NAME RUN_SEED42 RUN_SEED1001 …]
"""
import json
import sys

KEYS = [
    ("held-out voices", "heldOutVoiceAccuracy"),
    ("held-out engines", "heldOutSourceAccuracy"),
    ("test", "accuracy"),
]


def evaluate(store, rid):
    return json.load(open(f"{store}/runs/{rid}.json"))["stages"]["evaluate"]["metrics"]


def means(store, a, b):
    ea, eb = evaluate(store, a), evaluate(store, b)
    out = {}
    for label, k in KEYS:
        for prefix, kk in (("", k), ("int8 ", "int" + k[0].upper() + k[1:])):
            out[prefix + label] = 100 * (ea[kk] + eb[kk]) / 2
    return out


store = sys.argv[1]
ref = means(store, sys.argv[2], sys.argv[3])
print("reference " + " | ".join(f"{k} {v:.2f}" for k, v in ref.items()))
args = sys.argv[4:]
for i in range(0, len(args), 3):
    name, a, b = args[i : i + 3]
    m = means(store, a, b)
    print(f"{name} " + " | ".join(f"{k} {v:.2f} ({v - ref[k]:+.2f})" for k, v in m.items()))
