#!/usr/bin/env python3
"""Analysis behind docs/results/2026-12-05-anomaly-detection-invariant-windows.md.

Reads a run record of test/bench/ad-invariant/ad-exp-adinv.yaml (one evaluate-ad stage per frame-knn
variant, each with subsetSweep over [frame-knn, envelope-periodicity, envelope-modulation,
frame-mahalanobis]) and prints:
  1. per stage, every subset's dev and test AUC / pAUC (the stage's own `subsets`, exact);
  2. all (stage, subset) candidates ranked by dev AUC + pAUC (the selection rule);
  3. a cross-fitted check of that selection: the best candidate on one dev half (even / odd clip
     index) scored on the other half, against the current default (knn-plain's knn + period + mod);
  4. the high normals: per ID, the top dev and test normal's frame-knn term (z) in each stage, and
     the correlation of the frame-knn term with the recording conditions over the normal clips
     (machines.json of the run's data stage).

    python3 test/bench/ad-invariant/compare.py <run id> [--store /work/main/.tinyops/store] [--cache pipelines]
"""
import argparse
import collections
import json
import math
import os
import tarfile
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from ad_auc import auc_pauc  # noqa: E402  (test/bench/ad_auc.py: as src/eval/auc.ts)

ap = argparse.ArgumentParser()
ap.add_argument('run')
ap.add_argument('--store', default='/work/main/.tinyops/store')
ap.add_argument('--default', default='knn-plain', help='stage whose knn + period + mod is the current default')
ap.add_argument('--top', type=int, default=15)
ap.add_argument('--cache', default='', help='also the evaluate-ad stages of these pipelines (comma-separated) from the '
                'store\'s cache entries: results of a run that has not finished yet')
a = ap.parse_args()
rec = json.load(open(os.path.join(a.store, 'runs', a.run + '.json')))
if a.cache:
    wanted = a.cache.split(',')
    cache_dir = os.path.join(a.store, 'cache')
    for f in sorted(os.listdir(cache_dir), key=lambda f: os.path.getmtime(os.path.join(cache_dir, f))):
        e = json.load(open(os.path.join(cache_dir, f)))
        if e.get('kind') == 'evaluate-ad' and e.get('pipeline') in wanted:
            rec['stages'][e['stage']] = {'artifacts': e['artifacts'], 'metrics': e['metrics']}


def uri_path(x):
    return x['uri'].removeprefix('file://')


EV = {}
for name, st in rec['stages'].items():
    for art in st.get('artifacts', []) or []:
        if art['name'] == 'evaluation':
            ev = json.load(open(uri_path(art)))
            if 'devClips' in ev:
                EV[name] = ev


def pct(x):
    return f'{math.floor(100 * 100 * x + 0.5 + 1e-9) / 100:.2f}'


def types(s):
    return ', '.join(f"{100 * t['auc']:.1f}/{100 * t['pauc']:.1f}" for t in sorted(s['types'], key=lambda t: t['type']))


SHORT = {'frame-knn': 'knn', 'envelope-periodicity': 'period', 'envelope-modulation': 'mod', 'frame-mahalanobis': 'frame'}


def name_of(combine):
    return ' + '.join(SHORT.get(c, c) for c in combine)


print('## 1. per stage')
for stage, ev in EV.items():
    print(f"\n### {stage}: frameKnn {json.dumps(ev.get('frameKnn'))}")
    print('| combine | dev AUC / pAUC | dev sum | test AUC / pAUC | dev per type | test per type |')
    print('|---|---|---|---|---|---|')
    for s in sorted(ev.get('subsets', []), key=lambda s: -(s['dev']['auc'] + s['dev']['pauc'])):
        d, t = s['dev'], s['test']
        print(f"| {name_of(s['combine'])} | {pct(d['auc'])} / {pct(d['pauc'])} | {100 * (d['auc'] + d['pauc']):.1f} "
              f"| {pct(t['auc'])} / {pct(t['pauc'])} | {types(d)} | {types(t)} |")

print('\n## 2. all candidates by dev AUC + pAUC')
# A stage without a sweep (the default copy) is one candidate: its own combine.
cands = [(stage, s) for stage, ev in EV.items()
         for s in ev.get('subsets') or [{'combine': ev['combine'], 'dev': ev['dev'], 'test': ev}]]
cands.sort(key=lambda c: (-(c[1]['dev']['auc'] + c[1]['dev']['pauc']), len(c[1]['combine'])))
print('| stage | combine | terms | dev AUC / pAUC | dev sum | test AUC / pAUC |')
print('|---|---|---|---|---|---|')
for stage, s in cands[: a.top]:
    d, t = s['dev'], s['test']
    print(f"| {stage} | {name_of(s['combine'])} | {len(s['combine'])} | {pct(d['auc'])} / {pct(d['pauc'])} "
          f"| {100 * (d['auc'] + d['pauc']):.1f} | {pct(t['auc'])} / {pct(t['pauc'])} |")


def metrics(clips, combine):
    by = collections.defaultdict(lambda: ([], []))
    for c in clips:
        by[(c['type'], c['id'])][1 if c['anomalous'] else 0].append(sum(c['terms'][t] for t in combine))
    ids = [auc_pauc(*v) for _, v in sorted(by.items())]
    return sum(x for x, _ in ids) / len(ids), sum(y for _, y in ids) / len(ids)


def clip_index(c):
    return int(c['clip'].split('/')[-1].split('_')[1].split('.')[0])


print('\n## 3. the selection, cross-fitted on dev halves (choose on one half, score on the other)')
DEFAULT = (a.default, ['frame-knn', 'envelope-periodicity', 'envelope-modulation'])
all_subsets = [(stage, s['combine']) for stage, ev in EV.items() for s in ev.get('subsets', [{'combine': ev['combine']}])]
for h in (0, 1):
    def half(stage, keep):
        return [c for c in EV[stage]['devClips'] if (clip_index(c) % 2 == h) == keep]

    scored = [(sum(metrics(half(st, True), cb)), -len(cb), st, cb) for st, cb in all_subsets]
    best = max(scored)
    _, _, st, cb = best
    on_other = metrics(half(st, False), cb)
    dflt = metrics(half(DEFAULT[0], False), DEFAULT[1]) if DEFAULT[0] in EV else (float('nan'),) * 2
    print(f"half {h} → other: chosen {st} / {name_of(cb)} (on its half {100 * best[0]:.1f}); other half "
          f"{100 * on_other[0]:.2f} / {100 * on_other[1]:.2f} (sum {100 * sum(on_other):.1f}) against the default "
          f"{100 * dflt[0]:.2f} / {100 * dflt[1]:.2f} (sum {100 * sum(dflt):.1f})")

print('\n## 4. high normals: per ID the top normal clip of the frame-knn term (z), per stage')
stages = list(EV)
print('| split | ID | ' + ' | '.join(stages) + ' |')
print('|---|---|' + '---|' * len(stages))
for split in ('devClips', 'clips'):
    ids = sorted({(c['type'], c['id']) for c in EV[stages[0]][split]})
    for k in ids:
        cells = []
        for st in stages:
            normals = [c for c in EV[st][split] if (c['type'], c['id']) == k and not c['anomalous']]
            top = max(normals, key=lambda c: c['terms']['frame-knn'])
            anoms = sorted((c['terms']['frame-knn'] for c in EV[st][split] if (c['type'], c['id']) == k and c['anomalous']))
            above = sum(x > top['terms']['frame-knn'] for x in anoms)
            cells.append(f"{top['terms']['frame-knn']:.2f} ({top['clip'].split('/')[-1].removesuffix('.wav')}, {above}/{len(anoms)} above)")
        print(f"| {'dev' if split == 'devClips' else 'test'} | {k[0]}/{k[1]} | " + ' | '.join(cells) + ' |')

data = rec['stages'].get('data', {})
manifest = None
for art in data.get('artifacts', []) or []:
    p = uri_path(art)
    if os.path.isdir(p) and os.path.exists(os.path.join(p, 'machines.json')):
        manifest = json.load(open(os.path.join(p, 'machines.json')))
    elif os.path.isfile(p) and tarfile.is_tarfile(p):
        with tarfile.open(p) as tar:
            for m in tar:
                if m.name.rstrip('/').split('/')[-1] == 'machines.json':
                    manifest = json.load(tar.extractfile(m))
                    break
if manifest:
    meta = {c['path']: c for c in manifest['clips']}

    def corr(xs, ys):
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
        sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
        sy = math.sqrt(sum((y - my) ** 2 for y in ys))
        return sxy / (sx * sy) if sx > 0 and sy > 0 else float('nan')

    print('\n## 4b. correlation of the frame-knn term with the recording conditions (dev + test normals)')
    conds = sorted({k for c in meta.values() for k in (c.get('conditions') or {})})
    print('| stage | ' + ' | '.join(conds) + ' |')
    print('|---|' + '---|' * len(conds))
    for st in stages:
        clips = [c for c in EV[st]['devClips'] + EV[st]['clips'] if not c['anomalous'] and c['clip'] in meta]
        row = []
        for k in conds:
            xs = [meta[c['clip']]['conditions'][k] for c in clips]
            row.append(f"{corr(xs, [c['terms']['frame-knn'] for c in clips]):.2f}")
        print(f'| {st} | ' + ' | '.join(row) + ' |')
else:
    print('\n(no machines.json found in the data stage artifacts: condition correlations skipped)')
