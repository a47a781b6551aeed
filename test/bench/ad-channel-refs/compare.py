#!/usr/bin/env python3
"""Tables of docs/results/2026-12-05-anomaly-detection-channel-refs.md.

Reads the `evaluate` stage of each named pipeline (test/bench/ad-channel-refs/ad-exp-adrefs-*.yaml)
from the store's cache entries (the newest entry of each pipeline) and prints, for the default and
each variant:

  1. dev and test AUC / pAUC (mean over IDs, per type), with the bootstrap sd of the precision page
     (clips resampled within each ID, normals and anomalies apart) and the *paired* bootstrap sd of
     the variant − default difference (the same resampled clips for both);
  2. per fault (the anomalous clip's file name ends in _<fault>.wav): AUC / pAUC of each ID's normals
     against its anomalies of that fault, averaged over the IDs with that fault, dev + test pooled;
  3. the frame-knn term's per-ID z over the normal clips (dev + test) against the clip's microphone
     reflection (synth-machine 2 records reflectionMs / reflectionGain; analysis only, never in a score):
     Pearson r with the delay and the gain, and the mean delay of the top 5 % normals;
  4. the cross-fitted check: dev half 0 / 1 (even / odd clip index) sums, variant − default;
  5. with --subsets, the subset sweep of each variant (knn alone, ...).

    python3 test/bench/ad-channel-refs/compare.py ad-exp-adrefs-default ad-exp-adrefs-a ad-exp-adrefs-b \\
      [--store /work/main/.tinyops/store] [--boot 1000] [--subsets]
"""
import argparse
import collections
import json
import math
import os
import random
import sys
import tarfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from ad_auc import auc_pauc  # noqa: E402  (test/bench/ad_auc.py: as src/eval/auc.ts)

ap = argparse.ArgumentParser()
ap.add_argument('pipelines', nargs='+', help='the first is the baseline')
ap.add_argument('--store', default='/work/main/.tinyops/store')
ap.add_argument('--boot', type=int, default=1000)
ap.add_argument('--subsets', action='store_true')
a = ap.parse_args()

cache_dir = os.path.join(a.store, 'cache')
entries = {}
for fn in sorted(os.listdir(cache_dir), key=lambda fn: os.path.getmtime(os.path.join(cache_dir, fn))):
    e = json.load(open(os.path.join(cache_dir, fn)))
    if e.get('pipeline') in a.pipelines:
        entries[(e['pipeline'], e['stage'])] = e


def uri_path(x):
    return x['uri'].removeprefix('file://')


def artifact(e, name):
    for art in e['artifacts']:
        if art['name'] == name:
            return uri_path(art)
    raise SystemExit(f"{e['pipeline']}:{e['stage']} has no artifact {name}")


EV = {}
for p in a.pipelines:
    e = entries.get((p, 'evaluate'))
    if not e:
        raise SystemExit(f'{p}: no evaluate stage in the cache entries of {a.store}')
    EV[p] = json.load(open(artifact(e, 'evaluation')))
BASE = a.pipelines[0]


def f(x):
    return f'{100 * x:.2f}'


def clip_index(c):
    return int(c['clip'].split('/')[-1].split('_')[1].split('.')[0])


def fault_of(c):
    return c['clip'].split('/')[-1].rsplit('_', 1)[-1].removesuffix('.wav') if c['anomalous'] else None


def by_id(clips):
    by = collections.defaultdict(lambda: ([], []))
    for c in clips:
        by[(c['type'], c['id'])][1 if c['anomalous'] else 0].append((c['clip'], c['score']))
    return dict(sorted(by.items()))


def summary(groups):
    ids = {k: auc_pauc([s for _, s in nm], [s for _, s in an]) for k, (nm, an) in groups.items()}
    types = collections.defaultdict(list)
    for (t, _), v in ids.items():
        types[t].append(v)
    per_type = {t: (sum(x for x, _ in v) / len(v), sum(y for _, y in v) / len(v)) for t, v in sorted(types.items())}
    mean = (sum(x for x, _ in ids.values()) / len(ids), sum(y for _, y in ids.values()) / len(ids))
    return mean, per_type


def resample(groups, picks):
    return {k: ([nm[i] for i in picks[k][0]], [an[i] for i in picks[k][1]]) for k, (nm, an) in groups.items()}


def sd(xs):
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def clips_of(p, split):
    ev = EV[p]
    return ev['clips'] if split == 'test' else ev['devClips']


print('## 1. AUC / pAUC (%), bootstrap sd; paired sd of the difference to', BASE)
for split in ['dev', 'test']:
    base_groups = by_id(clips_of(BASE, split))
    rng = random.Random(1)
    picks = [
        {k: ([rng.randrange(len(nm)) for _ in nm], [rng.randrange(len(an)) for _ in an]) for k, (nm, an) in base_groups.items()}
        for _ in range(a.boot)
    ]
    base_draws = [summary(resample(base_groups, pk))[0] for pk in picks]
    for p in a.pipelines:
        groups = by_id(clips_of(p, split))
        assert [[[c for c, _ in x] for x in v] for v in groups.values()] == [
            [[c for c, _ in x] for x in v] for v in base_groups.values()
        ], 'the same clips in the same order'
        (auc, pauc), per_type = summary(groups)
        draws = [summary(resample(groups, pk))[0] for pk in picks]
        line = f'{split:4s} {p:24s} AUC {f(auc)} ±{f(sd([d[0] for d in draws]))}  pAUC {f(pauc)} ±{f(sd([d[1] for d in draws]))}'
        if p != BASE:
            (bauc, bpauc), _ = summary(base_groups)
            da = [d[0] - b[0] for d, b in zip(draws, base_draws)]
            dp = [d[1] - b[1] for d, b in zip(draws, base_draws)]
            ds = [x + y for x, y in zip(da, dp)]
            line += (
                f'  Δ AUC {100 * (auc - bauc):+.2f} ±{f(sd(da))}  Δ pAUC {100 * (pauc - bpauc):+.2f} ±{f(sd(dp))}'
                f'  Δ sum {100 * (auc + pauc - bauc - bpauc):+.2f} ±{f(sd(ds))}'
            )
        print(line)
        print('      per type (AUC/pAUC): ' + ', '.join(f'{t} {f(x)}/{f(y)}' for t, (x, y) in per_type.items()))

print('\n## 2. per fault, dev + test pooled per ID (AUC / pAUC %, mean over the IDs with that fault)')
for p in a.pipelines:
    clips = clips_of(p, 'dev') + clips_of(p, 'test')
    per = collections.defaultdict(list)
    ids = collections.defaultdict(lambda: ([], collections.defaultdict(list)))
    for c in clips:
        k = (c['type'], c['id'], c['clip'].split('/')[-2] if False else '')
        if c['anomalous']:
            ids[(c['type'], c['id'])][1][fault_of(c)].append(c['score'])
        else:
            ids[(c['type'], c['id'])][0].append(c['score'])
    for (t, _), (nm, faults) in ids.items():
        for fault, an in faults.items():
            per[(t, fault)].append(auc_pauc(nm, an))
    print(p + ': ' + ', '.join(f'{t}/{fa} {f(sum(x for x, _ in v) / len(v))}/{f(sum(y for _, y in v) / len(v))}' for (t, fa), v in sorted(per.items())))

print('\n## 3. frame-knn term (per-ID z over the dev + test normals) against the microphone reflection')
data = entries.get((BASE, 'data'))
manifest = None
if data:
    path = artifact(data, 'dataset')
    if os.path.isdir(path):
        manifest = json.load(open(os.path.join(path, 'machines.json')))
    else:
        with tarfile.open(path) as tf:
            for m in tf.getmembers():
                if m.name.endswith('machines.json'):
                    manifest = json.load(tf.extractfile(m))
                    break
if manifest is None:
    print('(no data stage / machines.json in the cache entries: skipped)')
else:
    meta = {c['path']: c['conditions'] for c in manifest['clips']}

    def pearson(xs, ys):
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
        return sxy / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))

    for p in a.pipelines:
        normals = [c for c in clips_of(p, 'dev') + clips_of(p, 'test') if not c['anomalous'] and c['clip'] in meta]
        for term in ['frame-knn', None]:
            value = (lambda c: c['terms'][term]) if term else (lambda c: c['score'])
            grp = collections.defaultdict(list)
            for c in normals:
                grp[(c['type'], c['id'])].append(c)
            zs, delay, gain = [], [], []
            for cs in grp.values():
                v = [value(c) for c in cs]
                m, s = sum(v) / len(v), sd(v) or 1
                for c, x in zip(cs, v):
                    zs.append((x - m) / s)
                    delay.append(meta[c['clip']]['reflectionMs'])
                    gain.append(meta[c['clip']]['reflectionGain'])
            top = sorted(range(len(zs)), key=lambda i: -zs[i])[: max(1, len(zs) // 20)]
            print(
                f'{p:24s} {term or "clip score":10s} r(delay) {pearson(zs, delay):+.2f}  r(gain) {pearson(zs, gain):+.2f}'
                f'  top 5 % mean delay {sum(delay[i] for i in top) / len(top):.2f} ms (all {sum(delay) / len(delay):.2f})'
            )

print('\n## 4. cross-fit: dev halves (even / odd clip index), AUC + pAUC sum, variant − default')
for h in [0, 1]:
    vals = {}
    for p in a.pipelines:
        (x, y), _ = summary(by_id([c for c in clips_of(p, 'dev') if clip_index(c) % 2 == h]))
        vals[p] = 100 * (x + y)
    print(f'half {h}: ' + ', '.join(f'{p} {v:.2f} ({v - vals[BASE]:+.2f})' for p, v in vals.items()))

if a.subsets:
    print('\n## 5. subset sweeps (dev AUC / pAUC, test AUC / pAUC)')
    for p in a.pipelines:
        for s in EV[p].get('subsets') or []:
            print(f"{p:24s} {' + '.join(s['combine']):55s} dev {f(s['dev']['auc'])}/{f(s['dev']['pauc'])}  test {f(s['test']['auc'])}/{f(s['test']['pauc'])}")
