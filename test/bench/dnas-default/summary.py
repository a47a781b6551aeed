#!/usr/bin/env python3
"""One line per run of the numbers docs/results/2026-12-05-dnas-default.md tabulates, read from
the store's run records: held-out voices / engines (float and int8), test, real speech, the
stream FRR at the tuned θ and the scored oracle, search and deploy metrics.

    python3 test/bench/dnas-default/summary.py /work/main/.tinyops/store RUN_ID …
"""
import json
import sys

store = sys.argv[1]
for rid in sys.argv[2:]:
    st = json.load(open(f"{store}/runs/{rid}.json"))["stages"]
    m = lambda s: (st.get(s) or {}).get("metrics") or {}
    e, d, q, t, p = m("evaluate"), m("deploy"), m("quantize"), m("train"), m("dnas")
    pct = lambda x: "—" if x is None else f"{100 * x:.1f}"
    out = [rid, (st.get("dnas") or {}).get("summary", "").split(";")[0]]
    out.append(f"val {pct(t.get('valAccuracy'))} best {t.get('bestEpoch')}")
    out.append(f"voices {pct(e.get('heldOutVoiceAccuracy'))} ({pct(e.get('intHeldOutVoiceAccuracy'))})")
    out.append(f"engines {pct(e.get('heldOutSourceAccuracy'))} ({pct(e.get('intHeldOutSourceAccuracy'))})")
    out.append(f"test {pct(e.get('accuracy'))} ({pct(e.get('intAccuracy'))})")
    rs = e.get("accuracy.measure.real-speech")
    irs = e.get("intAccuracy.measure.real-speech")
    n = e.get("clips.measure.real-speech")
    if rs is not None:
        out.append(f"real {round(rs * n)}/{n} (int {round(irs * n)})")
    if "eventFrr" in e:
        out.append(f"FRR {pct(e['eventFrr'])} at {e['eventFaPerHour']} FA/h θ {e['threshold']:.3f}")
        out.append(f"oracle {pct(e.get('scoredOracleFrr'))} at {e.get('scoredOracleFaPerHour')} FA/h")
    if p:
        out.append(
            f"pred {p['predictedFlashBytes']} B / {p['predictedSramBytes']} B / {p['predictedInstructions'] / 1e6:.2f} M / {p['predictedLatencyMs']:.2f} ms; "
            f"search {p['cpuSec.search']} CPU s, {p['searchClips']} clips, path acc {p['supernetPathValAccuracy']:.2f}"
        )
    if d:
        out.append(
            f"deploy {d['flashBytes']} B / {d['sramBytes']} B / {d['instructionsPerInference'] / 1e6:.2f} M / {d['estimatedLatencyMs']:.2f} ms bitExact {d['bitExact']} streamEq {d.get('streamEventsEqual')}"
        )
    if t:
        out.append(f"MAC {t.get('macsPerInference', 0) / 1e6:.2f} M params {t.get('params')}")
    print(" | ".join(out))
