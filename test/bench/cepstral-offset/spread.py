#!/usr/bin/env python3
"""How large is a source's cepstral offset next to σ_k? For docs/results/2026-12-05-cepstral-offset.md.

Reads a run's `features` artifacts (train, test) and its dataset's sources.json (engine and voice per clip),
and prints per MFCC coefficient k:
  σ_k      the spread over the train examples of their time-mean of coefficient k (what
           augment.channelOffset scales; src/nn/train-data.ts cepstralMeanSpread computes the same);
  per engine (train + test clips, silence left out): the engine's mean time-mean minus the mean over all
           speech clips, in units of σ_k — the offset a source adds on average, which the augmentation
           is meant to teach the model to ignore.

    python3 test/bench/cepstral-offset/spread.py /work/main/.tinyops/store RUN_ID [EXTRACT_DIR]

EXTRACT_DIR: where the dataset tar is unpacked (default /work/main/.tinyops/extract/<dataset sha256>).
Plain Python, no numpy.
"""
import array
import json
import math
import struct
import sys

store, rid = sys.argv[1], sys.argv[2]
st = json.load(open(f"{store}/runs/{rid}.json"))["stages"]
obj = lambda sha: f"{store}/objects/sha256/{sha[:2]}/{sha[2:]}"
feats = {a["name"]: a["sha256"] for a in st["features"]["artifacts"]}
ds = [a["sha256"] for a in st["data"]["artifacts"] if a["name"] == "dataset"][0]
extract = sys.argv[3] if len(sys.argv) > 3 else f"{store}/../extract/{ds}"
sources = json.load(open(f"{extract}/sources.json"))["clips"]


def load(path):
    b = open(path, "rb").read()
    h_len = struct.unpack("<I", b[8:12])[0]
    h = json.loads(b[12 : 12 + h_len])
    a = array.array("f")
    a.frombytes(b[12 + h_len :])
    return h, a


def time_means(h, x):
    n, frames, coeffs = h["shape"]
    out = []
    for e in range(n):
        base = e * frames * coeffs
        out.append([sum(x[base + f * coeffs + c] for f in range(frames)) / frames for c in range(coeffs)])
    return out


h_train, x_train = load(obj(feats["train"]))
m_train = time_means(h_train, x_train)
coeffs = h_train["shape"][2]
n = len(m_train)
mu = [sum(m[c] for m in m_train) / n for c in range(coeffs)]
sigma = [math.sqrt(sum((m[c] - mu[c]) ** 2 for m in m_train) / n) for c in range(coeffs)]
print("k      " + " ".join(f"{k:>6d}" for k in range(coeffs)))
print("σ_k    " + " ".join(f"{s:6.1f}" for s in sigma))

h_test, x_test = load(obj(feats["test"]))
rows = list(zip(h_train["clips"], m_train)) + list(zip(h_test["clips"], time_means(h_test, x_test)))
by_engine = {}
for clip, m in rows:
    src = sources.get(clip)
    if src is None or src["engine"] == "silence":
        continue
    by_engine.setdefault(src["engine"], []).append(m)
speech = [m for ms in by_engine.values() for m in ms]
grand = [sum(m[c] for m in speech) / len(speech) for c in range(coeffs)]
print(f"engine offsets (engine mean − mean of {len(speech)} speech clips) / σ_k:")
for eng, ms in sorted(by_engine.items()):
    mean = [sum(m[c] for m in ms) / len(ms) for c in range(coeffs)]
    print(f"{eng:10s} {len(ms):5d} " + " ".join(f"{(mean[c] - grand[c]) / sigma[c]:+6.2f}" for c in range(coeffs)))

# The same per voice: the root-mean-square over voices (≥ 20 clips) of the voice's offset, per coefficient.
by_voice = {}
for clip, m in rows:
    src = sources.get(clip)
    if src is None or src["engine"] == "silence":
        continue
    by_voice.setdefault((src["engine"], src["voice"]), []).append(m)
offsets = []
for ms in by_voice.values():
    if len(ms) >= 20:
        mean = [sum(m[c] for m in ms) / len(ms) for c in range(coeffs)]
        offsets.append([(mean[c] - grand[c]) / sigma[c] for c in range(coeffs)])
print(f"voice offsets, RMS over {len(offsets)} voices (≥ 20 clips) / σ_k:")
print("           " + " " * 6 + " ".join(f"{math.sqrt(sum(o[c] ** 2 for o in offsets) / len(offsets)):6.2f}" for c in range(coeffs)))
print("max |.|    " + " " * 6 + " ".join(f"{max(abs(o[c]) for o in offsets):6.2f}" for c in range(coeffs)))
