#!/usr/bin/env python3
"""The search-side numbers of docs/results/2026-12-05-dnas-voice-split.md, read from the store's run
records and `search` artifacts: the argmax per epoch, the final softmax(α) of the contested nodes, the
split (clips, held-apart voices per engine) and the search's CPU seconds. Trained runs' accuracy lines
come from test/bench/dnas-default/summary.py.

    python3 test/bench/dnas-voices/summary.py /work/main/.tinyops/store RUN_ID …
"""
import json
import sys

store = sys.argv[1]
for rid in sys.argv[2:]:
    st = json.load(open(f"{store}/runs/{rid}.json"))["stages"]
    d = st["dnas"]
    m = d["metrics"]
    search = next(a for a in d["artifacts"] if a["name"] == "search")
    s = json.load(open(search["uri"][len("file://") :]))
    print(f"{rid}: {d['summary'].split(';')[0]}")
    print(
        f"  {m['predictedInstructions'] / 1e6:.2f} M instr / {m['predictedLatencyMs']:.2f} ms predicted; "
        f"search {m['cpuSec.search']} CPU s; {m['searchClips']} clips, {m['archClips']} held apart for α steps; "
        f"path val acc {m['supernetPathValAccuracy']:.3f}"
    )
    if "archVoices" in s:
        held = s["archVoices"]["held"]
        print(
            "  held-apart voices: "
            + ", ".join(f"{e} {len(v)}" for e, v in held.items())
            + f"; whole with the weights: {', '.join(s['archVoices']['wholeEngines'])}"
        )
    for e in s["epochs"]:
        a = e["derived"]["architecture"]
        print(
            f"  epoch {e['epoch']}: {a['firstConv']['filters']} | {', '.join(str(b['filters']) for b in a['blocks'])}"
            f"  ({e['derived']['costs']['latencyMs']:.2f} ms; E[latency] {e['expected']['latencyMs']:.2f}, λ {e['multipliers']['latency']:.2f})"
        )
    print("  final softmax(α) per node: " + " ".join("[" + ", ".join(f"{p:.2f}" for p in z) + "]" for z in s["epochs"][-1]["z"]))
