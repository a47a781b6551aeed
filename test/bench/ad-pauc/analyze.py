#!/usr/bin/env python3
"""Offline analysis behind docs/results/2026-12-04-anomaly-detection-pauc.md.

Reads an evaluate-ad (version ≥ 8) evaluation JSON, whose clips carry each score term's clip mean
(`terms`; the standardized terms sum to the clip score), and prints on dev and test:
  - AUC / pAUC of term subsets and weightings (metric as src/eval/auc.ts);
  - per-type term weights searched on dev, and cross-fitted on dev halves;
  - the operating-threshold rules of src/eval/operating-threshold.ts on the non-test normals,
    with the held-out dev check (choose on validation + one dev half, FPR on the other half);
  - with --machines <machines.json of the synth-machine dataset>: the anomalies at or below their
    ID's highest normal on dev, by fault and severity.

    python3 test/bench/ad-pauc/analyze.py <evaluation.json> [--machines machines.json]
"""
import argparse
import collections
import itertools
import json
import math
import os as _os
import sys as _sys

_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), '..'))
from ad_auc import auc_pauc  # noqa: E402  (test/bench/ad_auc.py: as src/eval/auc.ts)

ap = argparse.ArgumentParser()
ap.add_argument('evaluation')
ap.add_argument('--machines')
ap.add_argument('--alpha', type=float, default=0.1)
args = ap.parse_args()
E = json.load(open(args.evaluation))
DEV, TEST, VAL = E['devClips'], E['clips'], E['validationClips']
TERMS = list(DEV[0]['terms'].keys())


def metrics(clips, score):
    by = collections.defaultdict(lambda: ([], []))
    for c in clips:
        by[(c['type'], c['id'])][1 if c['anomalous'] else 0].append(score(c))
    ids = {k: auc_pauc(*v) for k, v in sorted(by.items())}
    types = collections.defaultdict(list)
    for (t, _), v in ids.items():
        types[t].append(v)
    per_type = {t: tuple(sum(x[k] for x in v) / len(v) for k in (0, 1)) for t, v in sorted(types.items())}
    return sum(a for a, _ in ids.values()) / len(ids), sum(p for _, p in ids.values()) / len(ids), per_type


def fmt(m):
    a, p, tm = m
    return '%.2f / %.2f (%.1f) | %s' % (100 * a, 100 * p, 100 * (a + p), ', '.join('%.1f/%.1f' % (100 * x, 100 * y) for x, y in tm.values()))


def weighted(w):
    return lambda c: sum(w.get(t, 0) * c['terms'][t] for t in TERMS)


def clip_index(c):
    return int(c['clip'].split('/')[-1].split('_')[1].split('.')[0])


print('== subsets (equal weights)')
for r in range(1, len(TERMS) + 1):
    for sub in itertools.combinations(TERMS, r):
        f = weighted({t: 1 for t in sub})
        print('%-70s dev %s || test %s' % ('+'.join(sub), fmt(metrics(DEV, f)), fmt(metrics(TEST, f))))

print('== per-type weights in {0, 1/2, 1}^terms searched on dev (equal weights win ties)')
grid = [w for w in itertools.product([0, 0.5, 1], repeat=len(TERMS)) if sum(w) > 0]
equal = tuple(1 for _ in TERMS)


def search(clips):
    chosen = {}
    for ty in sorted({c['type'] for c in clips}):
        sub = [c for c in clips if c['type'] == ty]
        chosen[ty] = max(grid, key=lambda w: (sum(metrics(sub, weighted(dict(zip(TERMS, w))))[:2]), w == equal))
    return lambda c: weighted(dict(zip(TERMS, chosen[c['type']])))(c), chosen


f, chosen = search(DEV)
print(chosen, '\n  dev', fmt(metrics(DEV, f)), '|| test', fmt(metrics(TEST, f)))
for h in (0, 1):
    a = [c for c in DEV if clip_index(c) % 2 == h]
    b = [c for c in DEV if clip_index(c) % 2 != h]
    f, chosen = search(a)
    print('  chosen on dev half %d, scored on the other: %s  equal weights: %s' % (h, fmt(metrics(b, f)), fmt(metrics(b, weighted(dict(zip(TERMS, equal)))))))

print('== operating thresholds (alpha %.2f), score = sum of all terms' % args.alpha)
score = weighted({t: 1 for t in TERMS})


def just_above(v, desc):
    nxt = None
    for s in desc:
        if s > v:
            nxt = s
        else:
            break
    return v + max(2.2e-16, abs(v) * 1e-12) if nxt is None else (v + nxt) / 2


def rank(ns, a):
    desc = sorted(ns, reverse=True)
    k = math.floor(a * (len(desc) + 1) + 1e-9)
    return -math.inf if k > len(desc) else just_above(desc[max(k, 1) - 1], desc)


def old(ns, a):
    desc = sorted(ns, reverse=True)
    k = math.floor(a * len(desc))
    return -math.inf if k >= len(desc) else just_above(desc[k], desc)


def pooled(by_id, a, scale=True):
    st = []
    for ns in by_id:
        m = sum(ns) / len(ns)
        st.append((m, math.sqrt(sum((x - m) ** 2 for x in ns) / (len(ns) - 1)) if scale else 1.0))
    q = rank([(x - m) / s for ns, (m, s) in zip(by_id, st) for x in ns], a)
    return [m + q * s for m, s in st]


RULES = {
    'old': lambda b, a: [old(n, a) for n in b],
    'rank': lambda b, a: [rank(n, a) for n in b],
    'pooled': pooled,
    'shift': lambda b, a: pooled(b, a, scale=False),
}


def normals(clips):
    by = collections.defaultdict(list)
    for c in clips:
        if not c['anomalous']:
            by[(c['type'], c['id'])].append(c)
    return by


val, dev, test = normals(VAL), normals(DEV), normals(TEST)
ids = sorted(test)
anom = collections.defaultdict(list)
for c in TEST:
    if c['anomalous']:
        anom[(c['type'], c['id'])].append(score(c))


def fpr(th, groups):
    return sum(sum(x >= t for x in g) / len(g) for t, g in zip(th, groups)) / len(th)


for rule, fn in RULES.items():
    for src in ('validation', 'dev', 'validation+dev'):
        held = []
        for h in (0, 1):
            half = {k: [c for c in dev[k] if clip_index(c) % 2 == h] for k in ids}
            other = {k: [c for c in dev[k] if clip_index(c) % 2 != h] for k in ids}
            pick = [[score(c) for c in (val[k] if src != 'dev' else []) + (half[k] if src != 'validation' else [])] for k in ids]
            held.append(fpr(fn(pick, args.alpha), [[score(c) for c in other[k]] for k in ids]))
        pick = [[score(c) for c in (val[k] if src != 'dev' else []) + (dev[k] if src != 'validation' else [])] for k in ids]
        th = fn(pick, args.alpha)
        print('%-7s %-15s held-out dev FPR %.3f %.3f (mean %.3f) | test FPR %.3f TPR %.3f' % (
            rule, src, held[0], held[1], sum(held) / 2, fpr(th, [[score(c) for c in test[k]] for k in ids]), fpr(th, [anom[k] for k in ids])))

if args.machines:
    meta = {c['path']: c for c in json.load(open(args.machines))['clips']}
    print('== dev anomalies at or below their ID\'s highest normal')
    by = collections.defaultdict(list)
    for c in DEV:
        by[(c['type'], c['id'])].append(c)
    for k, cs in sorted(by.items()):
        top = max(score(c) for c in cs if not c['anomalous'])
        for c in cs:
            if c['anomalous'] and score(c) <= top:
                m = meta[c['clip']]
                print(k, m['anomaly'], 'severity %.2f' % m['severity'], 'score %.2f, top normal %.2f' % (score(c), top),
                      {t: round(v, 2) for t, v in c['terms'].items()})
