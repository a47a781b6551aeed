"""Second half of the stream FRR diagnosis (docs/results/2026-12-04-stream-frr-diagnosis.md).

Replays the evaluate stage's detector (src/eval/smoothing.ts, src/eval/event-detector.ts) and
event matching (src/eval/event-metrics.ts) on the posteriors dump-posteriors.js wrote, and prints
which false accepts set the threshold, how the misses split, FRR at several FA budgets (threshold
chosen on the tuning streams, applied to the scored ones), the posterior around each word, and the
stream levels. The replay is checked against the stored sweep when evaluation.json is given.

    ~/.cache/tinyops/venv/bin/python test/bench/stream-diagnosis/diagnose.py <out-dir> [evaluation.json]

Defaults are pipelines/kws.yaml's events: 20 ms frames, posterior i available at 1000 ms + 20 i,
smoothing 15, refractory 500 ms, early 100 ms, late 1000 ms.
"""
import collections, json, os, sys, wave
import numpy as np

STRIDE, OFFSET, EARLY, LATE, SMOOTH, REFRACTORY = 20.0, 1000.0, 100.0, 1000.0, 15, 25
EPS = 1e-6
GRID = [round(x, 3) for x in list(np.arange(0.5, 0.96, 0.01)) + [0.965, 0.97, 0.975, 0.98, 0.985, 0.99, 0.992, 0.994, 0.996, 0.998, 0.999]]


def load(root, name, labels):
    out = []
    for s in json.load(open(os.path.join(root, name, 'index.json'))):
        p = np.fromfile(os.path.join(root, 'post', name, s['file'] + '.f32'), dtype=np.float32).reshape(-1, len(labels))
        out.append(dict(id=s['file'], dur=s['durationSec'], post=p.astype(np.float64), events=s['events'], sm={}))
    return out


def smooth(p, w):
    """Causal moving average, fewer frames at the start (smoothing.ts)."""
    c = np.cumsum(np.vstack([np.zeros((1, p.shape[1])), p]), axis=0)
    t = np.arange(p.shape[0]); first = np.maximum(0, t - w + 1)
    return (c[t + 1] - c[first]) / (t - first + 1)[:, None]


def smoothed(s, w):
    if w not in s['sm']: s['sm'][w] = smooth(s['post'], w)
    return s['sm'][w]


def detect(sm, th, kw, refr=REFRACTORY):
    """event-detector.ts detectKeywords; th may be one threshold per keyword class."""
    S = sm[:, kw]; th = np.broadcast_to(np.asarray(th, dtype=np.float64), (len(kw),))
    best = S.argmax(axis=1); best_score = S.max(axis=1)
    armed = np.ones(len(kw), dtype=bool); last = -refr; prev = -10; dets = []
    for t in np.nonzero((S >= th).any(axis=1))[0]:   # frames with every class below θ only re-arm
        if t != prev + 1: armed[:] = True
        prev = t; row = S[t]
        armed[row < th] = True
        if t - last < refr: armed[row >= th] = False; continue
        b = best[t]
        if best_score[t] < th[b] or not armed[b]: continue
        dets.append((int(t), kw[b])); armed[b] = False; last = t
    return dets


def match(dets, events, labels):
    """event-metrics.ts matchStream: hits, then misclassifications, then negatives; the rest is background."""
    D = sorted([(OFFSET + f * STRIDE, f, labels[c]) for f, c in dets]); taken = [False] * len(D)
    ev = sorted(events, key=lambda e: e['onsetSec'])
    K = [e for e in ev if e['kind'] == 'keyword']; N = [e for e in ev if e['kind'] == 'negative']
    def claim(e, ok):
        lo = e['onsetSec'] * 1000 - EARLY - EPS; hi = e['offsetSec'] * 1000 + LATE + EPS
        for i, d in enumerate(D):
            if lo <= d[0] <= hi and not taken[i] and ok(d): taken[i] = True; return i
        return -1
    hits = [claim(e, lambda d, e=e: d[2] == e['label']) for e in K]
    wrong = [-1 if h >= 0 else claim(e, lambda d, e=e: d[2] != e['label']) for e, h in zip(K, hits)]
    ko = [('hit', e, D[h]) if h >= 0 else ('mis', e, D[w]) if w >= 0 else ('fr', e, None) for e, h, w in zip(K, hits, wrong)]
    no = []
    for e in N:
        j = claim(e, lambda d: True); no.append(('fa', e, D[j]) if j >= 0 else ('ok', e, None))
    return ko, no, [d for i, d in enumerate(D) if not taken[i]]


def summarize(streams, th, kw, labels, w=SMOOTH, skip_negatives=()):
    r = collections.Counter(); fa_words = collections.Counter(); per_engine = collections.defaultdict(lambda: [0, 0])
    for s in streams:
        ko, no, bg = match(detect(smoothed(s, w), th, kw), s['events'], labels)
        for o, e, d in ko:
            r[o] += 1; per_engine[e.get('engine')][0] += o == 'hit'; per_engine[e.get('engine')][1] += 1
        for o, e, d in no:
            if e['label'] in skip_negatives: continue
            r['neg'] += 1
            if o == 'fa': r['fa'] += 1; fa_words[(e['label'], d[2])] += 1
        r['fa'] += len(bg); r['bg'] += len(bg)
    hours = sum(s['dur'] for s in streams) / 3600; nk = r['hit'] + r['fr'] + r['mis']
    return dict(th=th, frr=1 - r['hit'] / nk, fa_h=r['fa'] / hours, hits=r['hit'], fr=r['fr'], mis=r['mis'], fa=r['fa'], bg=r['bg'],
                per_negative=r['fa'] / max(r['neg'], 1), negatives_h=r['neg'] / hours, fa_words=fa_words,
                engines={k: (1 - h / n, n) for k, (h, n) in sorted(per_engine.items())})


def tuned(tune, scored, budget, key='fa_h'):
    """operating-point.ts on the tuning sweep, applied unchanged to the scored one."""
    ok = [th for th in GRID if tune[th][key] <= budget]
    if not ok: return None
    th = min(ok, key=lambda t: (tune[t]['frr'], tune[t][key], -t))
    return th, tune[th], scored[th]


def miss_breakdown(streams, th, kw, labels, w=SMOOTH):
    cats = collections.Counter(); wide = []
    for s in streams:
        sm = smoothed(s, w); P = s['post']; dets = detect(sm, th, kw)
        ko, _, _ = match(dets, s['events'], labels)
        for o, e, _ in ko:
            c = labels.index(e['label'])
            lo = max(0, int(np.ceil((e['onsetSec'] * 1000 - EARLY - OFFSET) / STRIDE)))
            hi = min(len(P) - 1, int(np.floor((e['offsetSec'] * 1000 + LATE - OFFSET) / STRIDE)))
            raw = P[lo:hi + 1, c].max(); sm_max = sm[lo:hi + 1, c].max(); wide.append(int((P[lo:hi + 1, c] >= 0.9).sum()))
            if o == 'hit': cat = 'hit'
            elif o == 'mis': cat = 'misclassified'
            elif raw < 0.5: cat = 'never high: raw own posterior < 0.5'
            elif raw < th: cat = f'raw peak in [0.5, {th})'
            elif sm_max < th: cat = f'raw peak >= {th}, smoothed < {th}'
            elif any(k == c and abs(f - (lo + hi) / 2) < 150 for f, k in dets): cat = 'own detection outside the tolerance window'
            else: cat = 'suppressed (refractory / not re-armed / another keyword higher)'
            cats[cat] += 1
    return cats, np.array(wide)


def profile(streams, labels, kind):
    """Mean posterior of the word's own class (keywords) or of the best keyword (negatives) vs word centre − window centre."""
    bins = collections.defaultdict(list)
    for s in streams:
        P = s['post']
        for e in s['events']:
            if e['kind'] != kind: continue
            c = (e['onsetSec'] + e['offsetSec']) * 500
            for i in range(max(0, int((c - 1200) // STRIDE)), min(len(P), int((c + 200) // STRIDE) + 1)):
                d = c - (i * STRIDE + 500)
                v = P[i, labels.index(e['label'])] if kind == 'keyword' else P[i, 2:].max()
                bins[int(round(d / 80.0)) * 80].append(v)
    return ' '.join(f'{k:+d}:{np.mean(v):.2f}/{np.mean(np.array(v) >= 0.9):.2f}' for k, v in sorted(bins.items()) if abs(k) <= 480)


def levels(root, name, n=30):
    lv, snr = [], []
    for s in json.load(open(os.path.join(root, name, 'index.json')))[:n]:
        w = wave.open(os.path.join(root, name, s['file'])); sr = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64) / 32768
        quiet = np.ones(len(x), bool)
        for e in s['events']: quiet[int(e['onsetSec'] * sr):int(e['offsetSec'] * sr) + sr // 2] = False
        bg = np.mean(x[quiet] ** 2)
        for e in s['events']:
            p = np.mean(x[int(e['onsetSec'] * sr):int(e['offsetSec'] * sr)] ** 2)
            lv.append(10 * np.log10(p)); snr.append(10 * np.log10(max(p - bg, 1e-20) / bg))
    q = lambda a: '/'.join(f'{v:.1f}' for v in np.percentile(a, [5, 50, 95]))
    return f'word level dBFS p5/p50/p95 {q(lv)}, SNR dB {q(snr)}, background {10 * np.log10(bg):.1f} dBFS'


def main():
    root = sys.argv[1]
    labels = json.load(open(os.path.join(root, 'model', 'labels.json')))['labels']
    kw = [i for i, l in enumerate(labels) if l not in ('_silence_', '_unknown_')]
    sc, tu = load(root, 'streams', labels), load(root, 'tuning', labels)
    S = {th: summarize(sc, th, kw, labels) for th in GRID}; T = {th: summarize(tu, th, kw, labels) for th in GRID}
    if len(sys.argv) > 2:
        stored = {r['threshold']: r for r in json.load(open(sys.argv[2]))['events']['perThreshold']}
        bad = [th for th in GRID if th in stored and (stored[th]['hits'], stored[th]['falseAccepts']) != (S[th]['hits'], S[th]['fa'])]
        print('replay vs stored sweep:', 'equal at every common threshold' if not bad else f'DIFFERS at {bad}')
    for name, d, st, R in (('scored', 'streams', sc, S), ('tuning', 'tuning', tu, T)):
        ev = [e for s in st for e in s['events']]; h = sum(s['dur'] for s in st) / 3600
        print(f'\n== {name}: {len(st)} streams, {h * 60:.0f} min, {sum(e["kind"] == "keyword" for e in ev) / h:.0f} keywords/h, '
              f'{sum(e["kind"] == "negative" for e in ev) / h:.0f} negatives/h, {levels(root, d)}')
        for th in (0.5, 0.9, 0.98, 0.99, 0.996, 0.998):
            r = R[th]
            print(f'  θ={th}: FRR {r["frr"]:.1%} ({r["fr"]} missed, {r["mis"]} misclassified), {r["fa_h"]:.0f} FA/h '
                  f'({r["bg"]} in background), per negative word {r["per_negative"]:.2%}; on: '
                  + ', '.join(f'{a}→{b} {c}' for (a, b), c in r['fa_words'].most_common(6)))
        cats, wide = miss_breakdown(st, 0.998, kw, labels)
        print('  keyword outcomes at θ=0.998: ' + '; '.join(f'{k} {v} ({v / sum(cats.values()):.0%})' for k, v in cats.most_common()))
        print(f'  frames with raw own posterior ≥ 0.9 per keyword: median {np.median(wide):.0f}, none at all {np.mean(wide == 0):.0%}')
        print('  own posterior vs word centre − window centre (ms: mean/P≥0.9):', profile(st, labels, 'keyword'))
        print('  best keyword posterior around negatives:                   ', profile(st, labels, 'negative'))
    print('\n== operating points: θ chosen on tuning, applied to scored (FRR, FA/h)')
    for b in (2, 5, 10, 20):
        th, t, s = tuned(T, S, b)
        oracle = min((r for r in S.values() if r['fa_h'] <= b), key=lambda r: r['frr'])
        print(f'  ≤{b} FA/h: θ={th} tuning {t["frr"]:.1%} @{t["fa_h"]:.0f}, scored {s["frr"]:.1%} @{s["fa_h"]:.0f} '
              f'(θ picked on scored itself: {oracle["frr"]:.1%} @{oracle["fa_h"]:.0f}, θ={oracle["th"]})')
        print('     per engine, scored:', {k: f'{v:.0%} ({n})' for k, (v, n) in s['engines'].items()})
        print('     per engine, tuning:', {k: f'{v:.0%} ({n})' for k, (v, n) in t['engines'].items()})
    print('\n== counterfactuals (what-if, not shipped numbers)')
    Sx = {th: summarize(sc, th, kw, labels, skip_negatives=('yet', 'goal')) for th in GRID}
    Tx = {th: summarize(tu, th, kw, labels, skip_negatives=('yet', 'goal')) for th in GRID}
    th, t, s = tuned(Tx, Sx, 2); print(f'  without "yet"/"goal" in the streams, ≤2 FA/h: θ={th}, tuning {t["frr"]:.1%}, scored {s["frr"]:.1%} @{s["fa_h"]:.0f}')
    for d in (200, 60):
        th = min((x for x in GRID if Tx[x]['per_negative'] * d <= 2), key=lambda x: (Tx[x]['frr'], -x))
        print(f'  {d} confusable negatives/h (no yet/goal), ≤2 FA/h: θ={th}, tuning {Tx[th]["frr"]:.1%}, scored {Sx[th]["frr"]:.1%} '
              f'@{Sx[th]["per_negative"] * d:.1f}')
    # One threshold per keyword, chosen on the tuning streams (Lagrangian: each keyword minimises
    # its misses + λ · its false accepts; the λ whose set meets the budget with the lowest tuning FRR).
    names = [labels[k] for k in kw]
    grid = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.96, 0.97, 0.98, 0.985, 0.99, 0.992, 0.994, 0.996, 0.998]
    per = {}
    for th in grid:
        miss, fa = collections.Counter(), collections.Counter()
        for st in tu:
            ko, no, bg = match(detect(smoothed(st, SMOOTH), th, kw), st['events'], labels)
            for o, e, _ in ko: miss[e['label']] += o != 'hit'
            for o, e, d in no:
                if o == 'fa': fa[d[2]] += 1
            for d in bg: fa[d[2]] += 1
        per[th] = (miss, fa)
    best = None
    for lam in (0.5, 1, 2, 3, 5, 8, 12, 20, 50, 1000):
        ths = [min(grid, key=lambda th: (per[th][0][k] + lam * per[th][1][k], -th)) for k in names]
        t = summarize(tu, ths, kw, labels)
        if t['fa_h'] <= 2 and (best is None or t['frr'] < best[1]['frr']): best = (ths, t)
    if best is not None:
        s = summarize(sc, best[0], kw, labels)
        print(f'  per-keyword thresholds chosen on tuning ({dict(zip(names, best[0]))}): tuning {best[1]["frr"]:.1%} @{best[1]["fa_h"]:.0f}, '
              f'scored {s["frr"]:.1%} @{s["fa_h"]:.0f} FA/h')
    for w in (1, 5, 10, 25):
        Sw = {th: summarize(sc, th, kw, labels, w) for th in GRID}; Tw = {th: summarize(tu, th, kw, labels, w) for th in GRID}
        r = tuned(Tw, Sw, 2)
        print(f'  smoothing {w} frames, ≤2 FA/h: ' + ('no threshold' if r is None else f'θ={r[0]}, tuning {r[1]["frr"]:.1%}, scored {r[2]["frr"]:.1%} @{r[2]["fa_h"]:.0f}'))


if __name__ == '__main__':
    main()
