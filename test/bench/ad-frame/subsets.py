"""Dev and test AUC / pAUC of every `combine` subset in an evaluate-ad evaluation JSON
(subsetSweep: true), by dev AUC + pAUC, per type (fan, pump, slider, valve).

    python3 test/bench/ad-frame/subsets.py <run id> [--store /work/main/.tinyops/store]
"""
import argparse, json, math, os

ap = argparse.ArgumentParser()
ap.add_argument('run')
ap.add_argument('--store', default='/work/main/.tinyops/store')
a = ap.parse_args()
rec = json.load(open(os.path.join(a.store, 'runs', a.run + '.json')))
art = next(x for x in rec['stages']['evaluate']['artifacts'] if x['name'] == 'evaluation')
ev = json.load(open(art['uri'].removeprefix('file://')))


def pct(x):
    # Half up, as the stage's summary prints (0.83125 → 83.13).
    return f'{math.floor(100 * 100 * x + 0.5 + 1e-9) / 100:.2f}'


def types(s):
    return ', '.join(f"{100 * t['auc']:.1f}/{100 * t['pauc']:.1f}" for t in sorted(s['types'], key=lambda t: t['type']))


rows = sorted(ev.get('subsets', []), key=lambda s: -(s['dev']['auc'] + s['dev']['pauc']))
print('| combine | dev AUC / pAUC | dev sum | test AUC / pAUC | dev per type | test per type |')
print('|---|---|---|---|---|---|')
for s in rows:
    d, t = s['dev'], s['test']
    print(f"| {' + '.join(s['combine'])} | {pct(d['auc'])} / {pct(d['pauc'])} | {100 * (d['auc'] + d['pauc']):.1f} "
          f"| {pct(t['auc'])} / {pct(t['pauc'])} | {types(d)} | {types(t)} |")
print('stage:', ev.get('combine'), 'test', pct(ev['auc']), pct(ev['pauc']), 'dev', ev.get('devAuc'), ev.get('devPauc'))
