# Phrases of 3 / 5 logged words joined by '. ' or ', ', cut at the middle of each separator's frames, the frames
# read from the model's per-token durations (run token_durations.py first: it writes /tmp/kokoro-with-durations.onnx).
# Each piece then holds one word by construction; prints CPU s per word and each piece's speech length
# (-40 dB re its peak) over the same word rendered alone.
#   KOKORO_REQ_LOG=/tmp/kokoro-requests.log python duration_cut.py
import json, os, sys, time
import numpy as np, onnxruntime as ort
REQ_LOG = os.environ.get('KOKORO_REQ_LOG', '/tmp/kokoro-requests.log')
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'src', 'synth', 'engines'))
import tts_server as ts
so = ort.SessionOptions(); so.intra_op_num_threads = so.inter_op_num_threads = 1; so.log_severity_level = 3
k = ts.Kokoro()
sess = ort.InferenceSession('/tmp/kokoro-with-durations.onnx', so, providers=["CPUExecutionProvider"])
reqs = [json.loads(l) for l in open(REQ_LOG)][:30]
HOP = 240
def env_db(a):
    n = len(a) // HOP; e = np.sqrt(np.mean(a[: n * HOP].reshape(n, HOP) ** 2, 1) + 1e-12); return 20 * np.log10(e / (e.max() + 1e-12))
def speech_len(a, floor=-40):
    s = np.where(env_db(a) > floor)[0]; return (s[-1] - s[0] + 1) * HOP / 24000 if len(s) else 0
def feeds(ph, p):
    tokens = [k.vocab[c] for c in ph if c in k.vocab]
    ref = None
    for name, w in sorted(p['style'].items()):
        s = k.styles[name]; row = s[min(len(tokens), len(s)) - 1].reshape(1, 256) * float(w)
        ref = row if ref is None else ref + row
    return {"tokens": np.array([[0, *tokens, 0]], dtype=np.int64), "style": ref.astype(np.float32), "speed": np.array([float(p["speed"])], dtype=np.float32)}, [c for c in ph if c in k.vocab]
alone = []
for r in reqs:
    f, _ = feeds(r['params']['phonemes'], r['params']); au, d = sess.run(None, f); alone.append(speech_len(au.ravel()))
for sep in ['. ', ', ']:
    for n in (3, 5):
        cpu = 0; ratios = []; ok = 0; groups = 0
        for g0 in range(0, len(reqs) - n + 1, n):
            grp = reqs[g0:g0 + n]; p = dict(grp[0]['params'])
            ph = sep.join(x['params']['phonemes'] for x in grp)
            f, chars = feeds(ph, p)
            t = time.process_time(); au, d = sess.run(None, f); cpu += time.process_time() - t
            au = au.ravel(); d = d.ravel().astype(int); ends = np.cumsum(d)  # frame end of each token (pad first)
            # separator token positions in the token list (offset 1 for the leading pad)
            cuts, pos = [], 0
            for wi, x in enumerate(grp[:-1]):
                pos += len([c for c in x['params']['phonemes'] if c in k.vocab])
                sep_first = pos + 1; sep_last = pos + len(sep)  # token indices incl. pad offset
                start = ends[sep_first - 1]; end = ends[sep_last]
                cuts.append(((start + end) // 2) * 600)
                pos += len(sep)
            b = [0, *cuts, len(au)]; pieces = [au[b[i]:b[i + 1]] for i in range(n)]
            rr = [speech_len(x) / alone[g0 + i] for i, x in enumerate(pieces)]; ratios += rr; groups += 1
            ok += all(0.6 < x < 1.5 for x in rr)
        print(f'sep {sep!r} n={n}: {cpu / (groups * n):.3f} CPU s/word; groups with all pieces 0.6-1.5x alone {ok}/{groups}; ratio median {np.median(ratios):.2f} min {min(ratios):.2f} max {max(ratios):.2f}')
