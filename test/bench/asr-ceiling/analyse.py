"""Whisper-base as a second listener on a KWS run's test clips: tables for
docs/results/2026-12-05-kws-asr-ceiling.md (plain Python 3, no packages).

    python3 test/bench/asr-ceiling/analyse.py --work <dir> --models <model-a.json> <model-b.json> > tables.md

<dir> holds what the other scripts wrote: clean-run/clean-clips.json and clean-run/dataset/sources.json
(clean-renders.js), out/noisy-plain.jsonl, out/clean-plain.jsonl and, when there, out/noisy-hotwords.jsonl,
out/clean-hotwords.jsonl, out/train-clean-plain.jsonl (transcribe.py); --models are model-predictions.js
outputs. Also writes <dir>/out/joined.json (one row per test clip, every judgement).

Transcript → class (`classify`): lower-case, every character but letters, digits and apostrophes
becomes a space, apostrophes dropped; no words → `_silence_`; words that are all one keyword (after
the exact homophones know → no, write/rite/wright → right) → that keyword, so "Stop!", "no." and
"go go" count; anything else → `_unknown_` ("yeah", "yep", "of", "lift", "leave", "let's go", "to",
"too", "two" and digits included: "yeah" is one of the dataset's own hard negatives). `--lenient`
adds yeah/yep/yea → yes, nope → no and of → off, and strips a leading "oh"/"uh"/"um"/"the"/"and".
"""

import argparse
import json
import os
import re
from collections import Counter, defaultdict

KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
HOMOPHONES = {"know": "no", "write": "right", "rite": "right", "wright": "right"}
LENIENT = {"yeah": "yes", "yep": "yes", "yea": "yes", "nope": "no", "of": "off"}
FILLERS = {"oh", "uh", "um", "the", "and"}
SILENCE, UNKNOWN = "_silence_", "_unknown_"
BANDS = [("< 10 dB", None, 10), ("10–20 dB", 10, 20), ("20–30 dB", 20, 30), ("≥ 30 dB", 30, None)]
SETS = [("voice", "held-out voices"), ("engine", "held-out engines"), (False, "training (silence)")]


def classify(text: str, lenient: bool = False) -> str:
    words = re.sub(r"[^a-z0-9']", " ", text.lower()).replace("'", "").split()
    words = [HOMOPHONES.get(w, w) for w in words]
    if lenient:
        words = [LENIENT.get(w, w) for w in words]
        while len(words) > 1 and words[0] in FILLERS:
            words = words[1:]
    if not words:
        return SILENCE
    if len(set(words)) == 1 and words[0] in KEYWORDS:
        return words[0]
    return UNKNOWN


def band_of(snr):
    if snr is None:
        return "no speech"
    for name, lo, hi in BANDS:
        if (lo is None or snr >= lo) and (hi is None or snr < hi):
            return name
    raise ValueError(snr)


def read_jsonl(path):
    if not os.path.exists(path):
        return {}
    return {r["clip"]: r["text"] for r in map(json.loads, filter(str.strip, open(path)))}


def pct(k, n):
    return "—" if n == 0 else f"{100 * k / n:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--clean-models", nargs="*", default=[],
                    help="model-predictions.js --wav-root outputs on the clean renders, same order as --models")
    ap.add_argument("--floor-models", nargs="*", default=[],
                    help="the same on the clean renders with noise-floor.py's -70 dBFS floor")
    ap.add_argument("--lenient", action="store_true")
    ap.add_argument("--sample", help="clip list of a random sample: the accuracy tables use only it while a pass is incomplete")
    a = ap.parse_args()
    w = a.work
    sources = json.load(open(os.path.join(w, "clean-run/dataset/sources.json")))["clips"]
    meta = json.load(open(os.path.join(w, "clean-run/clean-clips.json")))
    models = [json.load(open(m)) for m in a.models]
    names = [m["runId"][-6:] for m in models]
    cmodels = [json.load(open(m)) for m in a.clean_models]
    fmodels = [json.load(open(m)) for m in a.floor_models]
    asr = {v: read_jsonl(os.path.join(w, "out", f"{v}.jsonl")) for v in
           ["noisy-plain", "clean-plain", "noisy-hotwords", "clean-hotwords", "train-clean-plain"]}
    cls = lambda t: classify(t, a.lenient)

    rows = []
    for clip in models[0]["clips"]:
        s = sources[clip]
        truth = models[0]["clips"][clip]["truth"]
        c = s.get("conditions", {})
        r = {
            "clip": clip, "truth": truth, "engine": s["engine"], "voice": s["voice"], "heldOut": s["heldOut"],
            "snr": c.get("effectiveSnrDb"), "augment": c.get("augment", []),
            "word": meta.get(clip, {}).get("word"), "neighbour": meta.get(clip, {}).get("neighbour"),
            "streamStyle": meta.get(clip, {}).get("streamStyle", False),
            "model": [m["clips"][clip]["predicted"] for m in models],
        }
        if clip in (cmodels[0]["clips"] if cmodels else {}):
            r["modelClean"] = [m["clips"][clip]["predicted"] for m in cmodels]
        if clip in (fmodels[0]["clips"] if fmodels else {}):
            r["modelFloor"] = [m["clips"][clip]["predicted"] for m in fmodels]
        for v in ["noisy-plain", "clean-plain", "noisy-hotwords", "clean-hotwords"]:
            if clip in asr[v]:
                r[v] = {"text": asr[v][clip], "class": cls(asr[v][clip])}
        rows.append(r)
    os.makedirs(os.path.join(w, "out"), exist_ok=True)
    json.dump(rows, open(os.path.join(w, "out", "joined.json"), "w"), indent=0)

    # While the plain passes have not covered every clip, rates come from the random sample only
    # (the passes ran the sample and the clips a model gets wrong first, which is not a random set).
    complete = all("noisy-plain" in r and ("clean-plain" in r or not r["heldOut"]) for r in rows)
    all_rows = rows
    if not complete:
        if not a.sample:
            raise SystemExit("the plain passes do not cover every clip: give --sample")
        keep = {l.strip() for l in open(a.sample) if l.strip()}
        rows = [r for r in rows if r["clip"] in keep]
        print(f"_Rates over the random 1-in-4 sample ({len(rows)} clips): the full passes are not complete._\n")
    ok = lambda r, v: v in r and r[v]["class"] == r["truth"]
    mok = lambda r, i: r["model"][i] == r["truth"]
    cok = lambda r, i: "modelClean" in r and r["modelClean"][i] == r["truth"]

    def line(label, rs):
        cells = [label, str(len(rs))]
        for v in ["noisy-plain", "clean-plain"]:
            got = [r for r in rs if v in r]
            cells.append(pct(sum(ok(r, v) for r in got), len(got)) + ("" if len(got) == len(rs) else f" ({len(got)})"))
        got = [r for r in rs if "noisy-hotwords" in r]
        cells.append(f"{pct(sum(ok(r, 'noisy-hotwords') for r in got), len(got))} ({len(got)})")
        for i in range(len(models)):
            cells.append(pct(sum(mok(r, i) for r in rs), len(rs)))
        for i in range(len(cmodels)):
            got = [r for r in rs if "modelClean" in r]
            cells.append(pct(sum(cok(r, i) for r in got), len(got)))
        for i in range(len(fmodels)):
            got = [r for r in rs if "modelFloor" in r]
            cells.append(pct(sum(r["modelFloor"][i] == r["truth"] for r in got), len(got)))
        return "| " + " | ".join(cells) + " |"

    head = ("| clips | n | whisper noisy | whisper clean | whisper noisy + keyword hint (n) | "
            + " | ".join(f"model {n}" for n in names)
            + "".join(f" | model {n} clean" for n in names[:len(cmodels)])
            + "".join(f" | model {n} clean + floor" for n in names[:len(fmodels)]) + " |")
    sep = "|" + "---|" * (5 + len(models) + len(cmodels) + len(fmodels))
    by_set = lambda h: [r for r in rows if r["heldOut"] == h]

    print(f"## 12-class accuracy (%) by held-out class{' — lenient mapping' if a.lenient else ''}\n")
    print(head + "\n" + sep)
    for h, name in SETS:
        print(line(name, by_set(h)))
    speech = [r for r in rows if r["heldOut"]]
    print(line("all held-out speech", speech))
    print(line("keyword clips (held-out)", [r for r in speech if r["truth"] in KEYWORDS]))
    print(line("`_unknown_` clips (held-out)", [r for r in speech if r["truth"] == UNKNOWN]))

    print("\n## By engine and voice (held-out clips)\n")
    print(head + "\n" + sep)
    for eng in sorted({r["engine"] for r in speech}):
        rs = [r for r in speech if r["engine"] == eng]
        print(line(f"**{eng}** ({'engine' if rs[0]['heldOut'] == 'engine' else 'voices'})", rs))
        for voice in sorted({r["voice"] for r in rs}):
            print(line(f"{eng} {voice}", [r for r in rs if r["voice"] == voice]))

    print("\n## By effective-SNR band (held-out speech clips)\n")
    print(head + "\n" + sep)
    for h, name in SETS[:2]:
        for b, _, _ in BANDS:
            print(line(f"{name}, {b}", [r for r in by_set(h) if band_of(r["snr"]) == b]))

    print("\n## By label (held-out speech clips)\n")
    print(head + "\n" + sep)
    for lab in KEYWORDS + [UNKNOWN]:
        print(line(lab, [r for r in speech if r["truth"] == lab]))

    print("\n## Model right/wrong × whisper right/wrong (held-out speech clips)\n")
    print("| set | model | whisper on | both right | model right, whisper wrong | model wrong, whisper right | both wrong | both wrong, same class |")
    print("|---|---|---|---|---|---|---|---|")
    for h, name in SETS[:2]:
        rs = by_set(h)
        for i, n in enumerate(names):
            for v in ["noisy-plain", "clean-plain"]:
                got = [r for r in rs if v in r]
                t = Counter((mok(r, i), ok(r, v)) for r in got)
                same = sum(1 for r in got if not mok(r, i) and not ok(r, v) and r["model"][i] == r[v]["class"])
                print(f"| {name} | {n} | {v.split('-')[0]} | {t[(True, True)]} | {t[(True, False)]} | "
                      f"{t[(False, True)]} | {t[(False, False)]} | {same} |")
            if cmodels:
                got = [r for r in rs if "clean-plain" in r and "modelClean" in r]
                t = Counter((cok(r, i), ok(r, "clean-plain")) for r in got)
                same = sum(1 for r in got if not cok(r, i) and not ok(r, "clean-plain")
                           and r["modelClean"][i] == r["clean-plain"]["class"])
                print(f"| {name} | {n} on clean renders | clean | {t[(True, True)]} | {t[(True, False)]} | "
                      f"{t[(False, True)]} | {t[(False, False)]} | {same} |")

    print("\n## Ceiling: model accuracy without the clips whisper cannot hear as labelled either\n")
    print("Removed: (a) clips that whisper on the clean render AND the model get wrong; (b) every clip whisper gets "
          "wrong on the clean render; (c) as (a) with both seeds wrong.\n")
    print("| set | model | accuracy | (a) removed | (a) accuracy | (b) removed | (b) accuracy | (c) removed | (c) accuracy |")
    print("|---|---|---|---|---|---|---|---|---|")
    for h, name in SETS[:2]:
        # (a) and (c) need whisper only on the clips a model gets wrong: exact over every clip.
        full = [r for r in all_rows if r["heldOut"] == h]
        rs = [r for r in by_set(h) if "clean-plain" in r]
        for i, n in enumerate(names):
            if any("clean-plain" not in r for r in full if not mok(r, i)):
                raise SystemExit(f"{n}: a clip the model gets wrong has no clean transcript")
            acc = sum(mok(r, i) for r in full) / len(full)
            ka = [r for r in full if mok(r, i) or ok(r, "clean-plain")]
            kc = [r for r in full if mok(r, i) or ok(r, "clean-plain") or any(mok(r, j) for j in range(len(models)))]
            kb = [r for r in rs if ok(r, "clean-plain")]
            f = lambda keep, base: f"{len(base) - len(keep)} of {len(base)} | {100 * sum(mok(r, i) for r in keep) / len(keep):.1f}"
            print(f"| {name} | {n} | {100 * acc:.1f} | {f(ka, full)} | {f(kb, rs)} | {f(kc, full)} |")

    if cmodels:
        print("\n## The model's errors split by what the clean render shows (held-out speech, every clip)\n")
        print("Each clip the model gets wrong as scored (noisy): (1) the same model gets its clean render right — "
              "noise and room cost it; (2) the model gets the clean render wrong and whisper too — the render "
              "itself (by two listeners); (3) the model gets the clean render wrong, whisper right — the model.\n")
        print("| set | model | clips | wrong as scored | (1) clean right | (2) clean wrong, whisper clean wrong | "
              "(3) clean wrong, whisper clean right | accuracy on clean renders | clean, without (2)-type clips |")
        print("|---|---|---|---|---|---|---|---|---|")
        for h, name in SETS[:2]:
            full = [r for r in all_rows if r["heldOut"] == h]
            for i, n in enumerate(names):
                wrong = [r for r in full if not mok(r, i)]
                c1 = sum(cok(r, i) for r in wrong)
                c2 = sum(not cok(r, i) and not ok(r, "clean-plain") for r in wrong)
                c3 = len(wrong) - c1 - c2
                cw = [r for r in full if not cok(r, i)]
                if any("clean-plain" not in r for r in cw):
                    both = "(whisper pass incomplete)"
                else:
                    keep = [r for r in full if cok(r, i) or ok(r, "clean-plain")]
                    both = f"{100 * sum(cok(r, i) for r in keep) / len(keep):.1f} ({len(full) - len(keep)} removed)"
                print(f"| {name} | {n} | {len(full)} | {len(wrong)} | {c1} | {c2} | {c3} | "
                      f"{pct(sum(cok(r, i) for r in full), len(full))} | {both} |")

    print("\n## Whisper's errors on the clean renders: noisy → clean (held-out speech)\n")
    print("| set | noisy wrong | of which clean right (the noise/room drowns it for whisper) | clean wrong | clean wrong, noisy right |")
    print("|---|---|---|---|---|")
    for h, name in SETS[:2]:
        rs = [r for r in by_set(h) if "clean-plain" in r and "noisy-plain" in r]
        nw = [r for r in rs if not ok(r, "noisy-plain")]
        cw = [r for r in rs if not ok(r, "clean-plain")]
        print(f"| {name} | {len(nw)} | {sum(ok(r, 'clean-plain') for r in nw)} | {len(cw)} | "
              f"{sum(ok(r, 'noisy-plain') for r in cw)} |")

    print("\n## Voice × keyword cells whisper gets wrong on the clean render (≥ 2 of the cell's clips)\n")
    print("Over every held-out keyword clip with a clean transcript.\n")
    print("| engine | voice | keyword | whisper clean wrong / n | model wrong (per seed) | model wrong on clean renders | whisper heard (clean) |")
    print("|---|---|---|---|---|---|---|")
    cells = defaultdict(list)
    speech_all = [r for r in all_rows if r["heldOut"]]
    for r in speech_all:
        if r["truth"] in KEYWORDS and "clean-plain" in r:
            cells[(r["engine"], r["voice"], r["truth"])].append(r)
    listed = []
    for key, rs in cells.items():
        wrong = [r for r in rs if not ok(r, "clean-plain")]
        if len(wrong) >= 2:
            listed.append((len(wrong) / len(rs), key, rs, wrong))
    for _, (e, v, k), rs, wrong in sorted(listed, key=lambda x: (-x[0], x[1])):
        heard = Counter(r["clean-plain"]["text"].strip(".!?, ").lower() or "(nothing)" for r in wrong)
        mw = "/".join(str(sum(not mok(r, i) for r in rs)) for i in range(len(models)))
        cw = "/".join(str(sum(not cok(r, i) for r in rs)) for i in range(len(cmodels))) or "—"
        print(f"| {e} | {v} | {k} | {len(wrong)}/{len(rs)} | {mw} | {cw} | "
              f"{', '.join(f'{t} ×{c}' if c > 1 else t for t, c in heard.most_common(5))} |")

    print("\n## Keyword clips that whisper (clean), and both model seeds get wrong\n")
    print("| clip | engine / voice | whisper clean | whisper noisy | model (per seed) | model on clean | eff. SNR |")
    print("|---|---|---|---|---|---|---|")
    for r in sorted(speech_all, key=lambda r: (r["engine"], r["voice"], r["clip"])):
        if r["truth"] in KEYWORDS and "clean-plain" in r and not ok(r, "clean-plain") \
                and not any(mok(r, i) for i in range(len(models))):
            print(f"| {r['clip']} | {r['engine']} {r['voice']} | {r['clean-plain']['text'] or '(nothing)'} | "
                  f"{r.get('noisy-plain', {}).get('text') or '(nothing)'} | {' / '.join(r['model'])} | "
                  f"{' / '.join(r.get('modelClean', ['—']))} | {r['snr']} |")

    hw = [r for r in all_rows if "noisy-hotwords" in r]
    if hw:
        print("\n## The keyword hint (`hotwords`), on the clips it ran on\n")
        print("| set | clips | plain noisy | hint noisy | plain clean | hint clean | `_unknown_` clips: plain / hint right |")
        print("|---|---|---|---|---|---|---|")
        for h, name in SETS:
            rs = [r for r in hw if r["heldOut"] == h]
            cl = [r for r in rs if "clean-hotwords" in r]
            un = [r for r in rs if r["truth"] == UNKNOWN]
            print(f"| {name} | {len(rs)} | {pct(sum(ok(r, 'noisy-plain') for r in rs), len(rs))} | "
                  f"{pct(sum(ok(r, 'noisy-hotwords') for r in rs), len(rs))} | "
                  f"{pct(sum(ok(r, 'clean-plain') for r in cl), len(cl))} ({len(cl)}) | "
                  f"{pct(sum(ok(r, 'clean-hotwords') for r in cl), len(cl))} ({len(cl)}) | "
                  f"{pct(sum(ok(r, 'noisy-plain') for r in un), len(un))} / "
                  f"{pct(sum(ok(r, 'noisy-hotwords') for r in un), len(un))} ({len(un)}) |")

    tr = asr["train-clean-plain"]
    if tr:
        print("\n## Training renders, clean (a sample of distinct renders per engine)\n")
        print("| engine | keyword renders | whisper hears the keyword | heard as another keyword | heard as `_unknown_` / nothing | "
              "`_unknown_` renders | heard as a keyword |")
        print("|---|---|---|---|---|---|---|")
        by_e = defaultdict(list)
        for clip, text in tr.items():
            m = meta[clip]
            by_e[m["engine"]].append((m["label"], cls(text)))
        for e in sorted(by_e):
            kw = [(l, c) for l, c in by_e[e] if l in KEYWORDS]
            un = [(l, c) for l, c in by_e[e] if l == UNKNOWN]
            print(f"| {e} | {len(kw)} | {pct(sum(l == c for l, c in kw), len(kw))} | "
                  f"{pct(sum(c in KEYWORDS and c != l for l, c in kw), len(kw))} | "
                  f"{pct(sum(c in (UNKNOWN, SILENCE) for l, c in kw), len(kw))} | {len(un)} | "
                  f"{pct(sum(c in KEYWORDS for l, c in un), len(un))} |")
        print("\nTraining renders whisper hears as a different class (word: what the clip's plan says):\n")
        print("| engine | voice | label | word (neighbour) | whisper heard |")
        print("|---|---|---|---|---|")
        for clip, text in sorted(tr.items(), key=lambda kv: (meta[kv[0]]["engine"], kv[0])):
            m = meta[clip]
            if cls(text) != m["label"]:
                nb = f" ({m['neighbour']})" if m.get("neighbour") else ""
                cut = ", stream-style" if m.get("streamStyle") else ""
                print(f"| {m['engine']} | {m['voice']} | {m['label']} | {m['word']}{nb}{cut} | {text or '(nothing)'} |")
        # The same engines' held-out voices in the test split, clean, for comparison.
        print("\n| engine | held-out-voice keyword clips (test, clean) | whisper hears the keyword |")
        print("|---|---|---|")
        for e in sorted(by_e):
            rs = [r for r in speech if r["engine"] == e and r["truth"] in KEYWORDS and "clean-plain" in r]
            print(f"| {e} | {len(rs)} | {pct(sum(ok(r, 'clean-plain') for r in rs), len(rs))} |")


if __name__ == "__main__":
    main()
