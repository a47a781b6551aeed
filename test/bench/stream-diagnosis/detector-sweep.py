"""Detector designs on stored stream posteriors (docs/results/2026-12-04-per-keyword-thresholds.md).

Every design is chosen on the tuning streams (training voices) and then applied unchanged to the
scored streams (unseen voices), as evaluate does. Posteriors are those dump-posteriors.js wrote
with `every` = 5 (one inference per 100 ms, as pipelines/kws.yaml), put on the int8 softmax grid
(codes 0…255, src/eval/device-posteriors.ts); thresholds are compared as the board does:
256·S ≥ θ₁₆·n (src/deploy/stream-detector.ts).

    ~/.cache/tinyops/venv/bin/python test/bench/stream-diagnosis/detector-sweep.py <dump-dir> [evaluation.json]
"""
import bisect, collections, json, os, sys
import numpy as np

EVERY, HOP = 5, 20.0
STRIDE, OFFSET, EARLY, LATE = HOP * EVERY, 1000.0, 100.0, 1000.0
REFR = 5  # ⌈500 ms / 100 ms⌉
EPS = 1e-6
BUDGET = 2.0
GRID = [round(0.05 + 0.01 * i, 3) for i in range(92)] + [0.965, 0.97, 0.975, 0.98, 0.985, 0.99, 0.992, 0.994, 0.996]
Q16 = lambda t: int(round(t * 65536))
GRID = sorted({min(Q16(t), 65280) for t in GRID})  # θ₁₆, capped at 255/256 (the board's largest posterior)


def load(root, name, nl):
    out = []
    for s in json.load(open(os.path.join(root, name, 'index.json'))):
        p = np.fromfile(os.path.join(root, 'post', name, s['file'] + '.f32'), dtype=np.float32).reshape(-1, nl)
        codes = np.clip(np.round(p.astype(np.float64) * 256), 0, 255).astype(np.int64)
        ev = sorted(s['events'], key=lambda e: e['onsetSec'])
        out.append(dict(id=s['file'], dur=s['durationSec'], codes=codes, events=ev, cache={}))
    return out


def sums(s, w):
    """Causal moving sums of w codes and the count n per row (fewer at the start; smoothing.ts)."""
    if w not in s['cache']:
        c = np.cumsum(np.vstack([np.zeros((1, s['codes'].shape[1]), np.int64), s['codes']]), axis=0)
        t = np.arange(s['codes'].shape[0]); first = np.maximum(0, t - w + 1)
        s['cache'][w] = (c[t + 1] - c[first], (t - first + 1))
    return s['cache'][w]


def detect(rank, above):
    """event-detector.ts with per-keyword `above` (S_k ≥ θ_k) and a ranking score: the arg-max of
    `rank` (ties → lowest index) fires if it is above and armed; refractory as the detector."""
    best = rank.argmax(axis=1)
    armed = np.ones(rank.shape[1], dtype=bool); last = -REFR; prev = -10; dets = []
    for t in np.nonzero(above.any(axis=1))[0]:
        if t != prev + 1: armed[:] = True
        prev = t; row = above[t]
        armed[~row] = True
        if t - last < REFR: armed[row] = False; continue
        b = best[t]
        if not row[b] or not armed[b]: continue
        dets.append((int(t), int(b))); armed[b] = False; last = t
    return dets


def match(dets, events, names):
    """event-metrics.ts matchStream."""
    D = sorted([(OFFSET + f * STRIDE, f, names[c]) for f, c in dets]); T = [d[0] for d in D]; taken = [False] * len(D)
    K = [e for e in events if e['kind'] == 'keyword']; N = [e for e in events if e['kind'] == 'negative']
    def claim(e, ok):
        lo = e['onsetSec'] * 1000 - EARLY - EPS; hi = e['offsetSec'] * 1000 + LATE + EPS
        for i in range(bisect.bisect_left(T, lo), len(D)):
            if D[i][0] > hi: break
            if not taken[i] and ok(D[i]): taken[i] = True; return i
        return -1
    hits = [claim(e, lambda d, e=e: d[2] == e['label']) for e in K]
    for e, h in zip(K, hits):
        if h < 0: claim(e, lambda d, e=e: d[2] != e['label'])
    fa_neg = [(e['label'], D[j][2]) for e in N for j in [claim(e, lambda d: True)] if j >= 0]
    bg = [D[i][2] for i in range(len(D)) if not taken[i]]
    return K, hits, fa_neg, bg


class Result:
    def __init__(self, names):
        self.names = names; self.kw = collections.Counter(); self.hit = collections.Counter()
        self.fa = collections.Counter(); self.words = collections.Counter(); self.sec = 0.0

    @property
    def frr(self): return 1 - sum(self.hit.values()) / max(1, sum(self.kw.values()))
    @property
    def fah(self): return sum(self.fa.values()) * 3600 / self.sec  # as event-metrics.ts
    def frr_k(self, k): return 1 - self.hit[k] / max(1, self.kw[k])
    def __str__(self): return f'FRR {100 * self.frr:.1f}% @ {self.fah:.0f} FA/h'


def run(streams, names, design):
    r = Result(names)
    for s in streams:
        rank, above = design(s)
        K, hits, fa_neg, bg = match(detect(rank, above), s['events'], names)
        for e, h in zip(K, hits):
            r.kw[e['label']] += 1
            if h >= 0: r.hit[e['label']] += 1
        for word, k in fa_neg: r.fa[k] += 1; r.words[f'{word}→{k}'] += 1
        for k in bg: r.fa[k] += 1; r.words[f'(bg)→{k}'] += 1
        r.sec += s['dur']
    return r


def plain(kw, th16, w=3):
    """Smoothed mean ≥ θ_k (θ one number or one per keyword), ranked by the mean (the board's rule)."""
    th = np.broadcast_to(np.asarray(th16, np.int64), (len(kw),))
    def d(s):
        S, n = sums(s, w); S = S[:, kw]
        return S, 256 * S >= th[None, :] * n[:, None]
    return d


def plain_rank_margin(kw, th16, w=3):
    """As plain, but ranked by the mean minus the keyword's own θ (per-keyword thresholds only)."""
    th = np.broadcast_to(np.asarray(th16, np.int64), (len(kw),))
    def d(s):
        S, n = sums(s, w); S = S[:, kw]; v = 256 * S - th[None, :] * n[:, None]
        return v, v >= 0
    return d


def hold(kw, th16, m, w=3):
    """Mean ≥ θ for m consecutive posteriors (persistence), ranked by the mean."""
    th = np.broadcast_to(np.asarray(th16, np.int64), (len(kw),))
    def d(s):
        S, n = sums(s, w); S = S[:, kw]; a = 256 * S >= th[None, :] * n[:, None]
        run_ = a.copy()
        for j in range(1, m):
            sh = np.zeros_like(a); sh[j:] = a[:-j]; run_ &= sh
        return S, run_
    return d


def margin(kw, unk, th16, w=3, vs='unknown'):
    """Mean_k − mean of `_unknown_` (or of the best other class) ≥ θ, ranked by the mean."""
    th = np.broadcast_to(np.asarray(th16, np.int64), (len(kw),))
    def d(s):
        S, n = sums(s, w)
        if vs == 'unknown': other = S[:, [unk]]
        else:
            srt = np.sort(S, axis=1); other = np.where(S == srt[:, [-1]], srt[:, [-2]], srt[:, [-1]])[:, kw]
        K = S[:, kw]; v = 256 * (K - other)
        return K, v >= th[None, :] * n[:, None]
    return d


def choose_single(results, budget):
    """operating-point.ts: lowest FRR within the budget (ties → lower FA/h, higher θ), else lowest FA/h."""
    ok = [(r.frr, r.fah, -t, t) for t, r in results.items() if r.fah <= budget]
    if ok: return min(ok)[3], True
    return min((r.fah, r.frr, -t, t) for t, r in results.items())[3], False


def lagrangian(sweep, names, lam, prior=0.0):
    """Per keyword k: θ_k = argmin misses_k(θ) + λ·FA_k(θ) over the single-θ sweep's per-keyword
    counts (ties → the higher θ). `prior` > 0 adds prior · (pooled FA(θ) / K) to FA_k (shrinks a
    keyword that never fired on the tuning streams towards the pooled rate)."""
    th = []
    for k in names:
        best = None
        for t, r in sweep.items():
            fa = r.fa[k] + prior * sum(r.fa.values()) / len(names)
            cost = (r.kw[k] - r.hit[k]) + lam * fa
            if best is None or cost < best[0] - 1e-12 or (abs(cost - best[0]) <= 1e-12 and t > best[1]): best = (cost, t)
        th.append(best[1])
    return th


LAMBDAS = [0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 70, 100, 150, 200, 300, 500, 1000]


def per_keyword(tu, sc, names, kw, sweep_tu, budget, prior=0.0, design=plain, label=''):
    """λ whose exact (joint-detector) tuning FA/h meets the budget with the lowest tuning FRR."""
    cands = []
    seen = {}
    for lam in LAMBDAS:
        th = tuple(lagrangian(sweep_tu, names, lam, prior))
        if th not in seen: seen[th] = run(tu, names, design(kw, list(th)))
        r = seen[th]
        cands.append((r.fah > budget, (r.frr, r.fah) if r.fah <= budget else (r.fah, r.frr), lam, th, r))
    _, _, lam, th, rt = min(cands, key=lambda c: (c[0], c[1], -c[2]))  # per-keyword-thresholds.ts
    rs = run(sc, names, design(kw, list(th)))
    return lam, th, rt, rs


def main():
    root = sys.argv[1]
    labels = json.load(open(os.path.join(root, 'model', 'labels.json')))['labels']
    kw = [i for i, l in enumerate(labels) if l not in ('_silence_', '_unknown_')]
    unk = labels.index('_unknown_')
    names = [labels[k] for k in kw]
    tu, sc = load(root, 'tuning', len(labels)), load(root, 'streams', len(labels))
    out = {}
    f = lambda t: f'{t / 65536:.4f}'

    # 1. Single θ (evaluate's rule), smoothing 15 hops = 3 posteriors.
    for w in (3, 1, 2, 4, 6):
        T = {t: run(tu, names, plain(kw, t, w)) for t in GRID}
        S = {t: run(sc, names, plain(kw, t, w)) for t in GRID}
        t, met = choose_single(T, BUDGET)
        print(f'single θ, smoothing {w} posteriors: θ {f(t)} tuning {T[t]}{"" if met else " (budget not met)"}; scored {S[t]}'
              f'; scored words {dict(S[t].words.most_common(6))}', flush=True)
        if w == 3:
            T3, S3 = T, S
            if len(sys.argv) > 2:  # check the replay against the stored sweep
                ev = json.load(open(sys.argv[2]))['events']
                bad = [(p['threshold'], p['frr'], S[Q16(p['threshold'])].frr, p['faPerHour'], S[Q16(p['threshold'])].fah)
                       for p in ev['perThreshold'] if Q16(p['threshold']) in S and
                       (abs(p['frr'] - S[Q16(p['threshold'])].frr) > 1e-9 or abs(p['faPerHour'] - S[Q16(p['threshold'])].fah) > 1e-9)]
                print('replay vs stored scored sweep:', 'equal at every threshold' if not bad else f'DIFFERS {bad[:5]}', flush=True)
    print('scored DET (θ: FRR @ FA/h):', ', '.join(f'{f(t)}: {100 * S3[t].frr:.0f}%@{S3[t].fah:.0f}' for t in GRID if t >= Q16(0.5)))
    print('tuning DET (θ: FRR @ FA/h):', ', '.join(f'{f(t)}: {100 * T3[t].frr:.0f}%@{T3[t].fah:.0f}' for t in GRID if t >= Q16(0.5)))

    # 2. Per-keyword thresholds, Lagrangian; `prior` shrinks each keyword's FA count towards the pooled one.
    for prior in (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0):
        for design, dn in ((plain, 'rank mean'), (plain_rank_margin, 'rank mean−θ_k')) if prior == 0.0 else ((plain, 'rank mean'),):
            for budget in (BUDGET, 0.0):
                lam, th, rt, rs = per_keyword(tu, sc, names, kw, T3, budget, prior, design)
                print(f'per-keyword ({dn}, prior {prior}, tuning budget {budget}): λ {lam}; tuning {rt}; scored {rs}; '
                      f'θ {dict(zip(names, (f(t) for t in th)))}; scored FRR_k {dict((k, round(100 * rs.frr_k(k))) for k in names)}; '
                      f'tuning FRR_k {dict((k, round(100 * rt.frr_k(k))) for k in names)}; '
                      f'scored FA {dict(rs.words)}', flush=True)
    # Upper bound only (chosen on the scored streams themselves, never a shipped rule).
    lam, th, rs, _ = per_keyword(sc, sc, names, kw, S3, BUDGET)
    print(f'ORACLE per-keyword chosen on scored: λ {lam}; scored {rs}; θ {dict(zip(names, (f(t) for t in th)))}', flush=True)
    t, _ = choose_single(S3, BUDGET); print(f'ORACLE single θ chosen on scored: θ {f(t)}; scored {S3[t]}', flush=True)

    # 3. Other rules at one θ: persistence, margin vs _unknown_, margin vs the best other class.
    for m in (2, 3):
        T = {t: run(tu, names, hold(kw, t, m)) for t in GRID}; t, met = choose_single(T, BUDGET)
        print(f'hold {m} posteriors: θ {f(t)} tuning {T[t]}; scored {run(sc, names, hold(kw, t, m))}', flush=True)
    MGRID = sorted({Q16(x) for x in np.arange(0.3, 1.0, 0.02)} | {Q16(x) for x in (0.97, 0.98, 0.985, 0.99, 0.992, 0.994)})
    for vs in ('unknown', 'other'):
        T = {t: run(tu, names, margin(kw, unk, t, 3, vs)) for t in MGRID}; t, met = choose_single(T, BUDGET)
        print(f'margin vs {vs}: θ {f(t)} tuning {T[t]}; scored {run(sc, names, margin(kw, unk, t, 3, vs))}', flush=True)


if __name__ == '__main__':
    main()
