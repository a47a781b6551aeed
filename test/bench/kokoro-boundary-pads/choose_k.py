"""Choose K for Kokoro's boundary-pad cap (docs/results/2026-12-05-kokoro-boundary-pads.md).

    node dist/test/bench/kokoro-call-cost/kokoro-requests.js pipelines/kws.yaml /tmp/kp-plan.jsonl
    ~/.cache/tinyops/tts-venv/bin/python test/bench/kokoro-boundary-pads/choose_k.py /tmp/kp-plan.jsonl N K1,K2,LEAD/TRAIL,... [OUT.json]

For the first N requests of the plan (the stock render is read from the render cache: the
`cache` path of each line), renders each with the boundary pads capped at every K (both pads) or LEAD/TRAIL (the model
tts_server.py builds, plus the durations exposed as extra outputs) and compares the speech
part: first to last sample above -40 dB re the peak, as synth-kws trims (src/audio/activity.ts;
measured here at the engine's 24 kHz, synth-kws trims after resampling to 16 kHz). Also the
onset/offset relative to the word's first/last token frame: if capping clipped the word's
onset, the capped onset would move later relative to its first token than the stock one.
CPU: time.process_time() around each session.run, stock and every K interleaved per request
(the durations output costs nothing measurable: it is computed anyway). One onnxruntime thread (TINYOPS_TTS_THREADS). Prints a table; OUT.json keeps per-request rows,
OUT.npz the renders (int16, key `<row>-<K>`, `None` for stock) and their durations (`<row>-<K>-d`).
"""
import json
import os
import sys
import time
import wave

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'src', 'synth', 'engines'))
import tts_server as ts  # noqa: E402

HOP = 600  # samples per duration frame at 24 kHz


def extent(a, db=-40.0):
    p = np.max(np.abs(a))
    nz = np.where(np.abs(a) > p * 10 ** (db / 20))[0]
    return int(nz[0]), int(nz[-1]) + 1


def read_wav(path):
    with wave.open(path, 'rb') as w:
        return np.frombuffer(w.readframes(w.getnframes()), '<i2').astype(np.float32) / 32767.0


def with_durations(k, src_model, frames):
    """A session of the capped model (or the stock one, frames None) with the stock and used durations as outputs."""
    m = onnx.load(src_model)
    if frames is not None:
        lead, trail = (int(x) for x in (frames.split('/') if '/' in frames else (frames, frames)))
        ts.cap_boundary_durations(m, lead, trail)
    used = ts.KOKORO_DURATIONS if frames is None else '/tinyops/pad_cap/durations'
    m.graph.output.extend([onnx.helper.make_tensor_value_info(used, onnx.TensorProto.FLOAT, None)])
    path = f'/tmp/kp-choose-{str(frames).replace("/", "-")}.onnx'
    onnx.save(m, path)
    return k._open(path)


def main():
    plan, n, ks = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(',')  # K or LEAD/TRAIL caps
    out = sys.argv[4] if len(sys.argv) > 4 else None
    reqs = [json.loads(line) for line in open(plan)][:n]
    k = ts.Kokoro()
    stock_sess = with_durations(k, k.model, None)
    sessions = {K: with_durations(k, k.model, K) for K in ks}
    rows = []
    keep = {} if out else None  # the renders and durations, for envelope_plot.py
    for r in reqs:
        p = r['server']
        tokens = [k.vocab[c] for c in p['phonemes'] if c in k.vocab]
        row = {'text': r['text'], 'voice': r['voice']}
        ref = sum(k.styles[v][min(len(tokens), len(k.styles[v])) - 1].reshape(1, 256) * float(w)
                  for v, w in sorted(p['style'].items()))
        feeds = {'tokens': np.array([[0, *tokens, 0]], np.int64), 'style': ref.astype(np.float32),
                 'speed': np.array([float(p['speed'])], np.float32)}  # as Kokoro.render feeds the model
        for K in [None, *ks]:
            t = time.process_time()
            audio, d = (stock_sess if K is None else sessions[K]).run(None, feeds)
            cpu = time.process_time() - t
            audio = np.asarray(audio, np.float32).ravel()
            d = d.ravel().astype(int)
            if K is None:
                cached = read_wav(r['cache'])
                pcm = (np.clip(audio, -1, 1) * 32767).round() / 32767
                # the feeds are the server's: the stock audio is the cached render, sample for sample
                assert np.array_equal(pcm.astype(np.float32), cached), f'stock render differs from the cache: {r["text"]}'
            s, e = extent(audio)
            if keep is not None:
                keep[f'{len(rows)}-{K}'] = (np.clip(audio, -1, 1) * 32767).round().astype('<i2')
                keep[f'{len(rows)}-{K}-d'] = d
            word0, word1 = int(d[0]) * HOP, int(d.sum() - d[-1]) * HOP  # first / one past last sample of the word's tokens
            row['stock' if K is None else f'k{K}'] = {
                'samples': len(audio), 'start': s, 'end': e, 'speech': e - s, 'pads': [int(d[0]), int(d[-1])],
                'onset_rel': int(s - word0), 'offset_rel': int(e - word1), 'cpu': cpu}
        rows.append(row)
        print(r['text'], r['voice'], json.dumps({kk: (v['speech'], v['pads'], v['onset_rel'], v['offset_rel'])
                                                 for kk, v in row.items() if isinstance(v, dict)}), flush=True)
    if out:
        json.dump(rows, open(out, 'w'))
        np.savez_compressed(out.rsplit('.', 1)[0] + '.npz', **keep)
    st = rows
    print(f'\n{len(rows)} requests; stock speech {np.mean([r["stock"]["speech"] for r in st]) / 24000:.3f} s, '
          f'output {np.mean([r["stock"]["samples"] for r in st]) / 24000:.3f} s')
    for K in ks:
        ratio = np.array([r[f'k{K}']['speech'] / r['stock']['speech'] for r in rows])
        don = np.array([r[f'k{K}']['onset_rel'] - r['stock']['onset_rel'] for r in rows]) / 24
        doff = np.array([r[f'k{K}']['offset_rel'] - r['stock']['offset_rel'] for r in rows]) / 24
        outl = np.mean([r[f'k{K}']['samples'] for r in rows]) / 24000
        q = lambda x: ' / '.join(f'{v:.3f}' if abs(v) < 10 else f'{v:.0f}' for v in np.percentile(x, [0, 5, 50, 95, 100]))
        cpu = np.mean([r[f'k{K}']['cpu'] for r in rows])
        print(f'K={K}: CPU s per render {cpu:.3f} (stock {np.mean([r["stock"]["cpu"] for r in rows]):.3f}); output {outl:.3f} s; speech ratio min/p5/median/p95/max {q(ratio)}; '
              f'onset shift ms {q(don)}; offset shift ms {q(doff)}')


main()
