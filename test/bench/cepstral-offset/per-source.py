#!/usr/bin/env python3
"""Per-engine, per-SNR and per-held-out-voice accuracy of evaluate runs, one column per run, for
docs/results/2026-12-05-cepstral-offset.md (the key metrics: test/bench/dnas-default/summary.py).

    python3 test/bench/cepstral-offset/per-source.py /work/main/.tinyops/store RUN_ID …
"""
import json
import sys

store, rids = sys.argv[1], sys.argv[2:]
runs = [json.load(open(f"{store}/runs/{r}.json"))["stages"] for r in rids]
metrics = [st["evaluate"]["metrics"] for st in runs]


def evaluation(st):
    sha = [a for a in st["evaluate"]["artifacts"] if a["name"] == "evaluation"][0]["sha256"]
    return json.load(open(f"{store}/objects/sha256/{sha[:2]}/{sha[2:]}"))


pct = lambda x: "   — " if x is None else f"{100 * x:5.1f}"
print("float (int8) accuracy per engine, all test clips of the engine")
for eng in ["espeak-ng", "mbrola", "pico", "rhvoice", "kokoro", "flite", "festival"]:
    cells = [f"{pct(m.get(f'accuracy.{eng}'))} ({pct(m.get(f'intAccuracy.{eng}'))})" for m in metrics]
    print(f"  {eng:10s} " + "  ".join(cells))
print("stream FRR per engine at the tuned θ (%)")
for eng in ["espeak-ng", "mbrola", "pico", "rhvoice", "kokoro", "flite", "festival"]:
    print(f"  {eng:10s} " + "  ".join(pct(m.get(f"eventFrr.{eng}")) for m in metrics))
print("accuracy by effective SNR (float, %)")
for split in ["heldOutVoice", "heldOutEngine"]:
    for band in ["lt10", "10to20", "20to30", "ge30"]:
        print(f"  {split:13s} {band:6s} " + "  ".join(pct(m.get(f"accuracyBySnr.{split}.{band}")) for m in metrics))
print("held-out voices and engines, float accuracy per voice (%)")
rows = {}
for i, st in enumerate(runs):
    for v in evaluation(st)["sources"]["byVoice"]:
        if v["heldOut"] == "train-voice":
            continue
        rows.setdefault((v["engine"], v["voice"], v["clips"]), [None] * len(runs))[i] = v["accuracy"]
for (eng, voice, clips), accs in sorted(rows.items()):
    print(f"  {eng:10s} {voice:22s} {clips:4d} " + "  ".join(pct(a) for a in accs))
