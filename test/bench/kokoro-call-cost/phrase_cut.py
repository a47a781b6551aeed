# Prototype: N words per Kokoro call joined by SEP, cut at the N-1 longest pauses (-40 dB re the
# phrase peak, 10 ms frames, gaps >= 30 ms). Reports CPU s per word vs one word per call, and whether
# the cut finds N words (each piece's speech length within 0.6-1.5x the same word rendered alone).
#   NB=60 NS=3,5,10 python phrase_cut.py ' |, |. '
import json, os, sys, time
REQ_LOG = os.environ.get('KOKORO_REQ_LOG', '/tmp/kokoro-requests.log')
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'src', 'synth', 'engines'))
import numpy as np
import tts_server as ts
reqs = [json.loads(l) for l in open(REQ_LOG)]
k = ts.Kokoro()
SR = 24000; HOP = 240  # 10 ms
def env_db(a):
    n = len(a) // HOP
    e = np.sqrt(np.mean(a[: n * HOP].reshape(n, HOP) ** 2, 1) + 1e-12)
    return 20 * np.log10(e / (e.max() + 1e-12))
def speech_len(a, floor=-40):
    s = np.where(env_db(a) > floor)[0]
    return (s[-1] - s[0] + 1) * HOP / SR if len(s) else 0
def cut(a, n, floor=-40, min_gap=3):
    d = env_db(a) > floor
    gaps, i = [], 0
    first = np.argmax(d); last = len(d) - 1 - np.argmax(d[::-1])
    i = first
    while i <= last:
        if not d[i]:
            j = i
            while j <= last and not d[j]: j += 1
            if j - i >= min_gap: gaps.append((j - i, i, j))
            i = j
        else: i += 1
    if len(gaps) < n - 1: return None, gaps
    top = sorted(sorted(gaps, reverse=True)[: n - 1], key=lambda g: g[1])
    cuts = [((g[1] + g[2]) // 2) * HOP for g in top]
    bounds = [0, *cuts, len(a)]
    return [a[bounds[i]:bounds[i + 1]] for i in range(n)], gaps
one_cpu = 0.0; alone = []
base = reqs[:int(__import__("os").environ.get("NB", "60"))]
k.render('jf_alpha', 'x', base[0]['params'])
for r in base:
    t = time.process_time(); a = k.render('jf_alpha', r['text'], r['params']); one_cpu += time.process_time() - t
    alone.append(speech_len(a))
print(f'one word per call: {one_cpu / len(base):.3f} CPU s/word, speech {np.mean(alone):.3f} s')
for sep in sys.argv[1].split('|'):
    for n in tuple(int(x) for x in __import__("os").environ.get("NS", "3,5,10").split(",")):
        cpu = 0.0; ok = 0; groups = 0; ratios = []
        for g0 in range(0, len(base) - n + 1, n):
            grp = base[g0:g0 + n]
            p = dict(grp[0]['params']); p['phonemes'] = sep.join(r['params']['phonemes'] for r in grp)
            t = time.process_time(); a = k.render('jf_alpha', '', p); cpu += time.process_time() - t
            pieces, gaps = cut(a, n); groups += 1
            if pieces is not None:
                ls = [speech_len(x) for x in pieces]
                rr = [l / alone[g0 + i] for i, l in enumerate(ls)]
                ratios += rr
                if all(0.6 < x < 1.5 for x in rr): ok += 1
        print(f'sep {sep!r} n={n}: {cpu / (groups * n):.3f} CPU s/word; groups cut into n plausible words {ok}/{groups}; '
              f'speech ratio piece/alone median {np.median(ratios) if ratios else float("nan"):.2f} min {min(ratios) if ratios else 0:.2f} max {max(ratios) if ratios else 0:.2f}')
