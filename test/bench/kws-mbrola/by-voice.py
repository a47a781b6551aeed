#!/usr/bin/env python3
"""Accuracy per test voice and per engine (float, int8 in brackets), one column per run, from the
evaluate artifacts of the store's run records (`sources.byVoice`, `sources.byEngine`).

    python3 test/bench/kws-mbrola/by-voice.py /work/main/.tinyops/store RUN_ID …
"""
import json
import sys

store, runs = sys.argv[1], sys.argv[2:]


def evaluation(rid):
    st = json.load(open(f"{store}/runs/{rid}.json"))["stages"]["evaluate"]
    return json.load(open(st["artifacts"][0]["uri"].replace("file://", "")))["sources"]


cols = [evaluation(r) for r in runs]
print("| source | clips | " + " | ".join(runs) + " |")
print("|---|---|" + "---|" * len(runs))
for key, name in (("byEngine", lambda x: x["engine"]), ("byVoice", lambda x: f"{x['engine']} {x['voice']}")):
    rows = {}
    for i, c in enumerate(cols):
        for x in c[key]:
            rows.setdefault(name(x), [x["clips"], [None] * len(cols)])[1][i] = x
    for n, (clips, xs) in rows.items():
        cell = lambda x: "—" if x is None else f"{100 * x['accuracy']:.1f} ({100 * x['intAccuracy']:.1f})"
        print(f"| {n} | {clips} | " + " | ".join(cell(x) for x in xs) + " |")
