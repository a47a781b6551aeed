"""Copy clean renders with a white noise floor at -70 dBFS RMS added (numpy; run with the asr venv's python):
the near-clean condition of synth-kws' quiet clips (speech at -30…-12 dBFS, so the floor is 40-58 dB below it),
to tell "digital silence is new to the model" from "the render". docs/results/2026-12-05-kws-asr-ceiling.md.

    ~/.cache/tinyops/asr-venv/bin/python test/bench/asr-ceiling/noise-floor.py <clean-dir> <out-dir>
"""

import glob
import os
import sys
import wave

import numpy as np

FLOOR_DBFS = -70.0


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(1)
    for f in sorted(glob.glob(os.path.join(src, "*", "*.wav"))):
        with wave.open(f) as w:
            a = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
            rate = w.getframerate()
        a = a + rng.normal(0.0, 32768 * 10 ** (FLOOR_DBFS / 20), a.shape)
        out = os.path.join(dst, os.path.relpath(f, src))
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with wave.open(out, "wb") as x:
            x.setnchannels(1)
            x.setsampwidth(2)
            x.setframerate(rate)
            x.writeframes(np.clip(np.round(a), -32768, 32767).astype("<i2").tobytes())


if __name__ == "__main__":
    main()
