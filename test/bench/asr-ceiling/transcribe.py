"""Transcribe KWS clips with whisper-base (faster-whisper, CTranslate2 int8 on CPU), one clip at a time.

    nice -n 5 ~/.cache/tinyops/asr-venv/bin/python test/bench/asr-ceiling/transcribe.py \
        --root <dir of label/file.wav> --list <file of label/file.wav lines> --out <out.jsonl> \
        [--variant plain|hotwords] [--threads 2]

Appends one JSON line per clip ({"clip", "variant", "text"}) and skips clips already in --out, so
an interrupted pass resumes. Decoding: language en, greedy (beam 1), temperature 0 only (no
fallback re-decodes), no timestamps, no previous-text conditioning, no VAD: each 1 s clip is
judged alone, padded to whisper's 30 s window as faster-whisper does. `hotwords` passes the ten
keywords as faster-whisper's `hotwords` hint (a prompt before the transcript).
Made by test/bench/asr-ceiling/setup.sh: the venv and the model directory.
"""

import argparse
import json
import os
import sys
import time
import wave

import numpy as np
from faster_whisper import WhisperModel

KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]


def load(path: str) -> np.ndarray:
    with wave.open(path) as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1 or w.getframerate() != 16000:
            raise SystemExit(f"{path}: expected 16-bit mono 16 kHz PCM")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--list", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--variant", choices=["plain", "hotwords"], default="plain")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--model", default=os.path.expanduser("~/.cache/tinyops/asr-venv/whisper-base")
    )
    a = ap.parse_args()
    clips = [l.strip() for l in open(a.list) if l.strip()]
    done = set()
    if os.path.exists(a.out):
        done = {json.loads(l)["clip"] for l in open(a.out) if l.strip()}
    todo = [c for c in clips if c not in done]
    model = WhisperModel(a.model, device="cpu", compute_type="int8", cpu_threads=a.threads)
    hot = ", ".join(KEYWORDS) if a.variant == "hotwords" else None
    t0 = time.process_time()
    with open(a.out, "a") as out:
        for i, clip in enumerate(todo):
            segs, _ = model.transcribe(
                load(os.path.join(a.root, clip)),
                language="en",
                beam_size=1,
                temperature=0.0,
                without_timestamps=True,
                condition_on_previous_text=False,
                vad_filter=False,
                hotwords=hot,
            )
            text = " ".join(s.text.strip() for s in segs).strip()
            out.write(json.dumps({"clip": clip, "variant": a.variant, "text": text}) + "\n")
            out.flush()
            if (i + 1) % 100 == 0:
                print(f"{i + 1}/{len(todo)} clips, {time.process_time() - t0:.0f} CPU s", file=sys.stderr)
    print(
        f"{len(todo)} clips transcribed ({len(done)} already there), {time.process_time() - t0:.0f} CPU s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
