"""Tables of docs/results/2026-12-05-kokoro-boundary-pads.md from choose_k.py's OUT.json (+ OUT.npz):

    python summarize.py /tmp/kp-choose60.json [/tmp/kp-split30.json ...]

Per cap: CPU per render (mean of the interleaved session.run times), output length, speech
(first to last sample above -40 dB re peak) capped / stock, onset and offset shift relative to
the word's first / last token frame (positive onset shift: the speech starts later into the
word), and how loud the stock render's part before the capped onset was (dB re the word's mean
power): what the cap removed from the word's start.
"""
import json
import sys

import numpy as np


def db(x):
    return 10 * np.log10(np.mean(np.asarray(x, np.float64) ** 2) + 1e-12)


def q(x, fmt='{:.2f}'):
    return ' / '.join(fmt.format(v) for v in np.percentile(x, [0, 50, 100]))


for path in sys.argv[1:]:
    rows = json.load(open(path))
    z = np.load(path.rsplit('.', 1)[0] + '.npz')
    caps = [k for k in rows[0] if k.startswith('k')]
    stock_cpu = np.mean([r['stock']['cpu'] for r in rows])
    st_out = np.mean([r['stock']['samples'] for r in rows]) / 24000
    st_sp = np.mean([r['stock']['speech'] for r in rows]) / 24000
    lead = [r['stock']['pads'][0] for r in rows]
    trail = [r['stock']['pads'][1] for r in rows]
    print(f'\n{path}: {len(rows)} requests; stock pads lead {q(lead, "{:.0f}")}, trail {q(trail, "{:.0f}")} frames (min / median / max)')
    print('| cap (lead / trail frames) | CPU s per render | CPU vs stock | output s | speech capped / stock, min / median / max '
          '| onset shift ms, min / median / max | onsets > 50 ms later | offset shift ms, min / median / max | offsets > 50 ms earlier '
          '| stock onset part removed, dB re word (median) |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    print(f'| stock | {stock_cpu:.3f} | — | {st_out:.3f} | — (speech {st_sp:.3f} s) | — | — | — | — | — |')
    for c in caps:
        cpu = np.mean([r[c]['cpu'] for r in rows])
        out = np.mean([r[c]['samples'] for r in rows]) / 24000
        ratio = [r[c]['speech'] / r['stock']['speech'] for r in rows]
        don = np.array([r[c]['onset_rel'] - r['stock']['onset_rel'] for r in rows]) / 24
        doff = np.array([r[c]['offset_rel'] - r['stock']['offset_rel'] for r in rows]) / 24
        lost = []
        for i, r in enumerate(rows):
            shift = r[c]['onset_rel'] - r['stock']['onset_rel']
            if shift > 240:  # > 10 ms
                a = z[f'{i}-None'].astype(np.float64) / 32767
                s, e = r['stock']['start'], r['stock']['end']
                lost.append(db(a[s:s + shift]) - db(a[s:e]))
        name = c[1:] if '/' in c else f'{c[1:]} / {c[1:]}'
        name = name.replace('99', '—').replace('/', ' / ').replace('  ', ' ')
        print(f'| {name} | {cpu:.3f} | {100 * (cpu / stock_cpu - 1):+.1f} % | {out:.3f} | {q(ratio)} | {q(don, "{:.0f}")} '
              f'| {int(np.sum(don > 50))} / {len(rows)} | {q(doff, "{:.0f}")} | {int(np.sum(doff < -50))} / {len(rows)} | {np.median(lost) if lost else float("nan"):.1f} |')
