#!/usr/bin/env python3
"""Analysis behind docs/results/2026-12-05-anomaly-detection-precision.md.

Reads a run record of test/bench/ad-precision/ad-exp-adeval-large.yaml (stages `evaluate`: the default
score; `sweep`: frame-knn + envelope-periodicity + envelope-modulation + frame-mahalanobis with every
subset) and, from the data stage's artifact, machines.json. Prints:

  1. the default on the 10 + 10 clips per ID that pipelines/ad.yaml has (clip index < 10; these clips
     are byte-identical to ad.yaml's, so the figures must equal its run's) and on all 30 + 30, test,
     dev and both pooled, per type and averaged, with bootstrap 95 % intervals (clips resampled within
     each ID, normals and anomalies apart) and the spread over the three disjoint 10 + 10 blocks;
  2. the dev selection among the sweep's subsets (+ --extra stages) on the larger dev, and the
     cross-fitted check (choose on one dev half, score on the other);
  3. the hidden conditions: per-ID z of the frame-knn term and of the clip score over the normal clips
     (dev + test) against each recorded condition (Pearson, Spearman), against its distance from the
     ID's training clips, and a least-squares fit of all of them together;
  4. optionally (--old-data TAR), that the first 10 + 10 clips' WAV bytes equal the old data stage's.

    python3 test/bench/ad-precision/precision.py <run id> [--store /work/main/.tinyops/store] \\
      [--extra pipeline,...] [--old-data /path/to/old/dataset.tar] [--boot 2000]
"""
import argparse
import collections
import hashlib
import json
import math
import os
import random
import tarfile
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from ad_auc import auc_pauc  # noqa: E402  (test/bench/ad_auc.py: as src/eval/auc.ts)

ap = argparse.ArgumentParser()
ap.add_argument('run', help='a run id, or a pipeline name whose stages are read from the store\'s cache entries')
ap.add_argument('--store', default='/work/main/.tinyops/store')
ap.add_argument('--extra', default='', help='evaluate-ad stages of these pipelines from the store\'s cache entries')
ap.add_argument('--old-data', default='', help='the 10 + 10 data stage\'s dataset tar: compare WAV bytes')
ap.add_argument('--boot', type=int, default=2000)
ap.add_argument('--json', default='', help='write the numbers here too')
ap.add_argument('--cond-stage', default='evaluate', help='the stage whose clip terms section 3 reads')
a = ap.parse_args()
run_file = os.path.join(a.store, 'runs', a.run + '.json')
if os.path.exists(run_file):
    rec = json.load(open(run_file))
else:
    # Not a finished run: take the named pipeline's stages from the store's cache entries.
    rec = {'stages': {}}
    cache_dir = os.path.join(a.store, 'cache')
    for fn in sorted(os.listdir(cache_dir), key=lambda fn: os.path.getmtime(os.path.join(cache_dir, fn))):
        e = json.load(open(os.path.join(cache_dir, fn)))
        if e.get('pipeline') == a.run:
            rec['stages'][e['stage']] = {'artifacts': e['artifacts'], 'metrics': e['metrics']}
if a.extra:
    wanted = a.extra.split(',')
    cache_dir = os.path.join(a.store, 'cache')
    for f in sorted(os.listdir(cache_dir), key=lambda f: os.path.getmtime(os.path.join(cache_dir, f))):
        e = json.load(open(os.path.join(cache_dir, f)))
        if e.get('kind') == 'evaluate-ad' and e.get('pipeline') in wanted:
            rec['stages'][e['pipeline'] + ':' + e['stage']] = {'artifacts': e['artifacts'], 'metrics': e['metrics']}
OUT = {}


def uri_path(x):
    return x['uri'].removeprefix('file://')


EV = {}
for name, st in rec['stages'].items():
    for art in st.get('artifacts', []) or []:
        if art['name'] == 'evaluation':
            EV[name] = json.load(open(uri_path(art)))

DEFAULT = ['frame-knn', 'envelope-periodicity', 'envelope-modulation']
SHORT = {'frame-knn': 'knn', 'envelope-periodicity': 'period', 'envelope-modulation': 'mod', 'frame-mahalanobis': 'frame'}


def name_of(combine):
    return ' + '.join(SHORT.get(c, c) for c in combine)


def clip_index(c):
    return int(c['clip'].split('/')[-1].split('_')[1].split('.')[0])


def score_of(c, combine):
    return sum(c['terms'][t] for t in combine)


def by_id(clips, combine):
    """(type, id) → (normal scores, anomalous scores)."""
    by = collections.defaultdict(lambda: ([], []))
    for c in clips:
        by[(c['type'], c['id'])][1 if c['anomalous'] else 0].append(score_of(c, combine))
    return dict(sorted(by.items()))


def summary(groups):
    """Mean over IDs and per type (mean over the type's IDs) of AUC and pAUC."""
    ids = {k: auc_pauc(*v) for k, v in groups.items()}
    types = collections.defaultdict(list)
    for (t, _), v in ids.items():
        types[t].append(v)
    per_type = {t: (sum(x for x, _ in v) / len(v), sum(y for _, y in v) / len(v)) for t, v in sorted(types.items())}
    mean = (sum(x for x, _ in ids.values()) / len(ids), sum(y for _, y in ids.values()) / len(ids))
    return mean, per_type


def bootstrap(groups, n, seed=1):
    """Percentile 95 % intervals and sd of the averaged and per-type AUC / pAUC over resampled clips."""
    rng = random.Random(seed)
    draws = []
    for _ in range(n):
        g = {k: ([rng.choice(nm) for _ in nm], [rng.choice(an) for _ in an]) for k, (nm, an) in groups.items()}
        draws.append(summary(g))

    def stats(xs):
        xs = sorted(xs)
        m = sum(xs) / len(xs)
        sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))
        return xs[int(0.025 * len(xs))], xs[int(0.975 * len(xs)) - 1], sd

    out = {'mean': (stats([d[0][0] for d in draws]), stats([d[0][1] for d in draws]))}
    for t in draws[0][1]:
        out[t] = (stats([d[1][t][0] for d in draws]), stats([d[1][t][1] for d in draws]))
    return out


def f(x):
    return f'{100 * x:.2f}'


def ci(s):
    lo, hi, sd = s
    return f'[{100 * lo:.1f}, {100 * hi:.1f}] sd {100 * sd:.2f}'


ev = EV.get('evaluate') or next(iter(EV.values()))
splits = {'test': ev['clips'], 'dev': ev['devClips']}
splits['test+dev'] = [dict(c, id=c['id']) for c in ev['clips']] + ev['devClips']

print(f"## 1. the default ({name_of(ev['combine'])}) on the larger splits")
print(f"stage metrics: test {f(ev['auc'])} / {f(ev['pauc'])}, dev {f(ev['dev']['auc'])} / {f(ev['dev']['pauc'])}")
if 'operatingTpr' in json.dumps(rec['stages'].get('evaluate', {}).get('metrics', {})):
    m = rec['stages']['evaluate']['metrics']
    print('operating point:', {k: v for k, v in m.items() if k.startswith('operating')})
for split, clips in splits.items():
    small = [c for c in clips if clip_index(c) < 10]
    (sa, sp), st = summary(by_id(small, ev['combine']))
    (la, lp), lt = summary(by_id(clips, ev['combine']))
    (ma, mp), mt = summary(by_id([c for c in clips if clip_index(c) < 20], ev['combine']))
    n = collections.Counter((c['type'], c['id'], c['anomalous']) for c in clips)
    per = sorted(set(n.values()))
    print(f'\n### {split} ({per} clips per ID and condition)')
    print(f'10 + 10 (index < 10, = ad.yaml): {f(sa)} / {f(sp)}; ' + ', '.join(f'{t} {f(v[0])}/{f(v[1])}' for t, v in st.items()))
    print(f'20 + 20 (index < 20): {f(ma)} / {f(mp)}; ' + ', '.join(f'{t} {f(v[0])}/{f(v[1])}' for t, v in mt.items()))
    print(f'all: {f(la)} / {f(lp)}; ' + ', '.join(f'{t} {f(v[0])}/{f(v[1])}' for t, v in lt.items()))
    b = bootstrap(by_id(clips, ev['combine']), a.boot)
    bs = bootstrap(by_id(small, ev['combine']), a.boot)
    print('| | AUC | 95 % interval (all) | pAUC | 95 % interval (all) | AUC sd, 10 + 10 | pAUC sd, 10 + 10 |')
    print('|---|---|---|---|---|---|---|')
    rows = [('mean', (la, lp))] + list(lt.items())
    for t, (x, y) in rows:
        print(f'| {t} | {f(x)} | {ci(b[t][0])} | {f(y)} | {ci(b[t][1])} | {100 * bs[t][0][2]:.2f} | {100 * bs[t][1][2]:.2f} |')
    blocks = []
    for k in range(3):
        blk = [c for c in clips if k * 10 <= clip_index(c) < (k + 1) * 10]
        if split == 'test+dev' or not blk:
            continue
        (ba, bp), bt = summary(by_id(blk, ev['combine']))
        blocks.append((ba, bp, bt))
    if blocks:
        print('three disjoint 10 + 10 blocks (index 0–9, 10–19, 20–29): ' + '; '.join(
            f'{f(x)} / {f(y)} (' + ', '.join(f'{t} {f(v[0])}/{f(v[1])}' for t, v in bt.items()) + ')' for x, y, bt in blocks))
        ys = [y for _, y, _ in blocks]
        xs = [x for x, _, _ in blocks]
        print(f'  range AUC {100 * (max(xs) - min(xs)):.2f}, pAUC {100 * (max(ys) - min(ys)):.2f} points')
    OUT[split] = {'small': (sa, sp), 'all': (la, lp), 'types': lt, 'boot': b, 'bootSmall': bs, 'blocks': blocks}

# Test and dev are draws of the same distribution (same machines, own streams), so their 3 + 3
# disjoint 10 + 10 blocks are six independent replicates of ad.yaml's 10 + 10 measurement.
reps = OUT.get('test', {}).get('blocks', []) + OUT.get('dev', {}).get('blocks', [])
if len(reps) > 1:
    def msd(xs):
        m = sum(xs) / len(xs)
        return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))

    print(f'\n### the {len(reps)} disjoint 10 + 10 replicates (3 test + 3 dev blocks): mean ± sd of one replicate')
    ma, sa_ = msd([r[0] for r in reps])
    mp, sp_ = msd([r[1] for r in reps])
    print(f'mean over IDs: AUC {f(ma)} ± {100 * sa_:.2f}, pAUC {f(mp)} ± {100 * sp_:.2f} '
          f'(range {f(min(r[1] for r in reps))}–{f(max(r[1] for r in reps))}); '
          f'so a 30 + 30 figure has sd ≈ {100 * sa_ / math.sqrt(3):.2f} / {100 * sp_ / math.sqrt(3):.2f}')
    for t in reps[0][2]:
        ta = msd([r[2][t][0] for r in reps])
        tp = msd([r[2][t][1] for r in reps])
        print(f'  {t}: AUC {f(ta[0])} ± {100 * ta[1]:.2f}, pAUC {f(tp[0])} ± {100 * tp[1]:.2f}')
    OUT['replicates'] = {'auc': (ma, sa_), 'pauc': (mp, sp_)}

# --- 2. dev selection ---
print('\n## 2. the dev selection on the larger dev (all subsets of every sweep stage)')
cands = []
for stage, e in EV.items():
    for s in e.get('subsets') or [{'combine': e['combine'], 'dev': e['dev'], 'test': e}]:
        cands.append((stage, s))
cands.sort(key=lambda c: (-(c[1]['dev']['auc'] + c[1]['dev']['pauc']), len(c[1]['combine'])))
print('| stage | combine | terms | dev AUC / pAUC | dev sum | test AUC / pAUC |')
print('|---|---|---|---|---|---|')
for stage, s in cands[:20]:
    d, t = s['dev'], s['test']
    print(f"| {stage} | {name_of(s['combine'])} | {len(s['combine'])} | {f(d['auc'])} / {f(d['pauc'])} "
          f"| {100 * (d['auc'] + d['pauc']):.1f} | {f(t['auc'])} / {f(t['pauc'])} |")
all_subsets = [(stage, s['combine']) for stage, e in EV.items() for s in e.get('subsets', [{'combine': e['combine']}])]
for h in (0, 1):
    def half(stage, keep):
        return [c for c in EV[stage]['devClips'] if (clip_index(c) % 2 == h) == keep]

    scored = [(sum(summary(by_id(half(st, True), cb))[0]), -len(cb), st, cb) for st, cb in all_subsets]
    best = max(scored)
    _, _, st, cb = best
    other = summary(by_id(half(st, False), cb))[0]
    dflt = summary(by_id(half('evaluate', False), DEFAULT))[0]
    print(f"half {h} → other: chosen {st} / {name_of(cb)} (on its half {100 * best[0]:.1f}); other half "
          f"{f(other[0])} / {f(other[1])} (sum {100 * sum(other):.1f}) against the default "
          f"{f(dflt[0])} / {f(dflt[1])} (sum {100 * sum(dflt):.1f})")

# --- 3. hidden conditions ---
data = rec['stages'].get('data', {})
manifest = None
data_tar = None
for art in data.get('artifacts', []) or []:
    p = uri_path(art)
    if os.path.isfile(p) and tarfile.is_tarfile(p):
        data_tar = p
        with tarfile.open(p) as tar:
            for m in tar:
                if m.name.rstrip('/').split('/')[-1] == 'machines.json':
                    manifest = json.load(tar.extractfile(m))
                    break


def pearson(xs, ys):
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return sxy / (sx * sy) if sx > 0 and sy > 0 else float('nan')


def ranks(xs):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    r = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r


def spearman(xs, ys):
    return pearson(ranks(xs), ranks(ys))


def zscore_within_id(clips, value):
    by = collections.defaultdict(list)
    for c in clips:
        by[(c['type'], c['id'])].append(value(c))
    st = {k: (sum(v) / len(v), math.sqrt(sum((x - sum(v) / len(v)) ** 2 for x in v) / (len(v) - 1))) for k, v in by.items()}
    return [(value(c) - st[(c['type'], c['id'])][0]) / (st[(c['type'], c['id'])][1] or 1) for c in clips]


def lstsq_r2(X, y):
    """R² of y on the columns of X (+ intercept), least squares on standardized columns (constant ones
    dropped), by the normal equations with Gauss-Jordan elimination."""
    n = len(y)
    cols = []
    for j in range(len(X[0])):
        v = [r[j] for r in X]
        m = sum(v) / n
        sd = math.sqrt(sum((x - m) ** 2 for x in v) / n)
        if sd > 1e-12:
            cols.append([(x - m) / sd for x in v])
    my = sum(y) / n
    yc = [v - my for v in y]
    p = len(cols)
    M = [[sum(a * b for a, b in zip(cols[i], cols[j])) + (1e-9 if i == j else 0) for j in range(p)]
         + [sum(a * b for a, b in zip(cols[i], yc))] for i in range(p)]
    for c in range(p):
        piv = max(range(c, p), key=lambda r: abs(M[r][c]))
        M[c], M[piv] = M[piv], M[c]
        for r in range(p):
            if r != c:
                fac = M[r][c] / M[c][c]
                M[r] = [x - fac * z for x, z in zip(M[r], M[c])]
    beta = [M[i][p] / M[i][i] for i in range(p)]
    ss_res = sum((yc[k] - sum(beta[i] * cols[i][k] for i in range(p))) ** 2 for k in range(n))
    return 1 - ss_res / sum(v * v for v in yc)


if manifest:
    meta = {c['path']: c for c in manifest['clips']}
    cev = EV[a.cond_stage]
    normals = [c for c in cev['clips'] + cev['devClips'] if not c['anomalous'] and c['clip'] in meta]
    conds = sorted({k for c in meta.values() for k in (c.get('conditions') or {})})
    train = collections.defaultdict(list)
    for c in manifest['clips']:
        if c['split'] == 'train':
            train[(c['type'], c['id'])].append(c['conditions'])

    def dist_from_train(c, k):
        """|z| of the clip's condition against its ID's training clips."""
        xs = [t[k] for t in train[(c['type'], c['id'])]]
        m = sum(xs) / len(xs)
        sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) or 1
        return abs(meta[c['clip']]['conditions'][k] - m) / sd

    zk = zscore_within_id(normals, lambda c: c['terms']['frame-knn'])
    zs = zscore_within_id(normals, lambda c: c['score'])
    print(f'\n## 3. hidden conditions: {len(normals)} normal clips (dev + test), per-ID z of the term / score')
    print('| condition | r (knn z) | ρ (knn z) | r (score z) | ρ (score z) | ρ (knn z, |z| from train) | mean over the top 5 % normals (knn z) vs over all |')
    print('|---|---|---|---|---|---|---|')
    top = sorted(range(len(normals)), key=lambda i: -zk[i])[: max(1, len(normals) // 20)]
    res = {}
    for k in conds:
        xs = [meta[c['clip']]['conditions'][k] for c in normals]
        d = [dist_from_train(c, k) for c in normals]
        topm = sum(xs[i] for i in top) / len(top)
        allm = sum(xs) / len(xs)
        res[k] = (pearson(xs, zk), spearman(xs, zk), pearson(xs, zs), spearman(xs, zs), spearman(d, zk))
        print(f'| {k} | {res[k][0]:.3f} | {res[k][1]:.3f} | {res[k][2]:.3f} | {res[k][3]:.3f} | {res[k][4]:.3f} | {topm:.3f} vs {allm:.3f} |')
    # Nearest training clip of the ID in a condition (or a few together): a k-NN score is high when no
    # training window is near, so a condition far from every training clip's can matter even when it
    # is not far from their mean (e.g. a reflection delay between two clusters, a hum frequency that
    # few training clips have).
    def nearest_train(c, keys):
        cc = meta[c['clip']]['conditions']
        sds = {}
        for k in keys:
            xs = [t[k] for t in train[(c['type'], c['id'])]]
            m = sum(xs) / len(xs)
            sds[k] = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) or 1
        return min(math.sqrt(sum(((cc[k] - t[k]) / sds[k]) ** 2 for k in keys)) for t in train[(c['type'], c['id'])])

    derived = {
        'nearest train reflectionMs': ['reflectionMs'],
        'nearest train reflection (ms, gain)': ['reflectionMs', 'reflectionGain'],
        'nearest train background (shares, hum Hz)': ['bgBrownShare', 'bgPinkShare', 'bgHumShare', 'humHz'],
        'nearest train mic (distance, reflection)': ['micDistance', 'reflectionMs', 'reflectionGain'],
        'nearest train, all hidden': ['reflectionMs', 'reflectionGain', 'bgBrownShare', 'bgPinkShare', 'bgHumShare', 'humHz'],
        'nearest train, all': [k for k in conds if k != 'snrDb'],
    }
    have = set(conds)
    derived = {n: ks for n, ks in derived.items() if set(ks) <= have}
    same_hum = None
    if 'humHz' in have:
        same_hum = [sum(t['humHz'] == meta[c['clip']]['conditions']['humHz'] for t in train[(c['type'], c['id'])])
                    / len(train[(c['type'], c['id'])]) for c in normals]
        print(f'| share of the ID\'s train clips with the same hum Hz | {pearson(same_hum, zk):.3f} | {spearman(same_hum, zk):.3f} '
              f'| {pearson(same_hum, zs):.3f} | {spearman(same_hum, zs):.3f} | | {sum(same_hum[i] for i in top) / len(top):.3f} vs {sum(same_hum) / len(same_hum):.3f} |')
    for n, ks in derived.items():
        d = [nearest_train(c, ks) for c in normals]
        res[n] = (pearson(d, zk), spearman(d, zk), pearson(d, zs), spearman(d, zs))
        print(f'| {n} | {res[n][0]:.3f} | {res[n][1]:.3f} | {res[n][2]:.3f} | {res[n][3]:.3f} | | '
              f'{sum(d[i] for i in top) / len(top):.3f} vs {sum(d) / len(d):.3f} |')
    X = [[meta[c['clip']]['conditions'][k] for k in conds] + [dist_from_train(c, k) for k in conds] for c in normals]
    print(f'R² of the knn z on all conditions and their |z| from train (least squares, {2 * len(conds)} regressors): '
          f'{lstsq_r2(X, zk):.3f}; of the score z: {lstsq_r2(X, zs):.3f}')
    hidden = ['reflectionMs', 'reflectionGain', 'bgBrownShare', 'bgPinkShare', 'bgHumShare', 'humHz']
    for label, ks in (('the recorded-before conditions (speed, load, gain, mic distance)', ['speed', 'load', 'gainDb', 'micDistance']),
                      ('the hidden ones (reflection, background mix, hum Hz)', hidden),
                      ('the reflection alone (ms, gain, 1/ms)', ['reflectionMs', 'reflectionGain'])):
        ks = [k for k in ks if k in have]
        if not ks:
            continue
        Xk = [[meta[c['clip']]['conditions'][k] for k in ks] + ([1 / meta[c['clip']]['conditions']['reflectionMs']] if 'reflectionMs' in ks else [])
              for c in normals]
        print(f'R² on {label}: knn z {lstsq_r2(Xk, zk):.3f}, score z {lstsq_r2(Xk, zs):.3f}')
    # a null reference: R² of a random normal on the same regressors
    rng = random.Random(3)
    null = [lstsq_r2(X, [rng.gauss(0, 1) for _ in normals]) for _ in range(20)]
    print(f'  (R² of pure noise on the same regressors: mean {sum(null) / len(null):.3f}, max {max(null):.3f})')
    # per ID: the top normal's conditions against its ID's training range
    print('\nper ID, the top normal (knn z) and where its conditions fall among the ID\'s 24 training clips (percentile)')
    for key in sorted({(c['type'], c['id']) for c in normals}):
        idx = [i for i, c in enumerate(normals) if (c['type'], c['id']) == key]
        i = max(idx, key=lambda i: zk[i])
        c = normals[i]
        cc = meta[c['clip']]['conditions']
        pct = {k: sum(t[k] < cc[k] for t in train[key]) / len(train[key]) for k in conds}
        print(f"  {key[0]}/{key[1]} {c['clip'].split('/')[-1]} z {zk[i]:.2f} (term {c['terms']['frame-knn']:.2f}): "
              + ', '.join(f'{k} {cc[k]:g} ({100 * pct[k]:.0f}%)' for k in conds))
    OUT['conditions'] = res
else:
    print('\n(no machines.json with conditions: section 3 skipped)')

# --- 4. byte identity of the first 10 + 10 clips with the old data stage ---
if a.old_data and data_tar:
    def digests(p, keep):
        out = {}
        with tarfile.open(p) as tar:
            for m in tar:
                if m.isfile() and m.name.endswith('.wav') and keep(m.name):
                    out[m.name.split('dataset/', 1)[-1]] = hashlib.sha256(tar.extractfile(m).read()).hexdigest()
        return out

    old = digests(a.old_data, lambda n: True)
    new = digests(data_tar, lambda n: True)
    same = sum(1 for k, v in old.items() if new.get(k) == v)
    print(f'\n## 4. WAV bytes: {same} of the old data stage\'s {len(old)} clips are byte-identical in the new one '
          f'({len(new)} clips); differing: {[k for k, v in old.items() if new.get(k) != v][:5]}')

if a.json:
    json.dump(OUT, open(a.json, 'w'), indent=1, default=str)
