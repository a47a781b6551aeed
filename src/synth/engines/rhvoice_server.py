"""Fork server for RHVoice renders (src/synth/engines/rhvoice.ts, python-server.ts).

    python rhvoice_server.py rhvoice

One `RHVoice-test` process per word cost an exec, the dynamic linking of its audio library's
back ends (PulseAudio, JACK, PortAudio, libao and what they pull in) and the engine's start-up
(language and voice data), ≈ 90 % of a one-word render's CPU time. This server loads Debian's
librhvoice5 (the C API, RHVoice.h) once, creates the engine with RHVoice_preload_voices, then
forks one child per request. The child does what `RHVoice-test -p VOICE -r R -t T -o OUT` does
with the text on stdin: a plain-text document for the voice profile, relative rate R/100 and
pitch T/100 (absolute settings 0, volume 1, the document's defaults), synthesised, the samples
written as the audio library's file back end (libao's wav driver) writes them: a 44-byte
header for 16-bit mono PCM at the voice's sample rate, sizes filled in at the end.
No state of one render reaches the next (each child exits), so the bytes equal the command's:
test/unit/synth/rhvoice-server.test.ts and test/bench/engine-cpu/rhvoice-identity.ts compare them.

Protocol as espeak_server.py: one JSON request per stdin line, one JSON answer per stdout line.
    {"id": 1, "op": "render", "voice": "slt", "rate": 100, "pitch": 100, "text": "yes\\n",
     "out": "/path.wav"} -> {"id": 1, "ok": true, "code": 0, "stderr": ""}
`code` and `stderr` are the child's exit status and messages: the TypeScript side judges them
as it judged the command's.
"""
import ctypes
import os
import sys

from fork_server import close_wav, open_wav, run_forked, serve_requests

RHVoice_preload_voices = 1
RHVoice_message_text = 0

SET_RATE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p)
PLAY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_uint, ctypes.c_void_p)


class Callbacks(ctypes.Structure):  # RHVoice_callbacks (RHVoice.h); unused ones stay NULL
    _fields_ = [("set_sample_rate", SET_RATE), ("play_speech", PLAY), ("process_mark", ctypes.c_void_p),
                ("word_starts", ctypes.c_void_p), ("word_ends", ctypes.c_void_p),
                ("sentence_starts", ctypes.c_void_p), ("sentence_ends", ctypes.c_void_p),
                ("play_audio", ctypes.c_void_p), ("done", ctypes.c_void_p)]


class InitParams(ctypes.Structure):  # RHVoice_init_params
    _fields_ = [("data_path", ctypes.c_char_p), ("config_path", ctypes.c_char_p),
                ("resource_paths", ctypes.POINTER(ctypes.c_char_p)), ("callbacks", Callbacks),
                ("options", ctypes.c_uint)]


class SynthParams(ctypes.Structure):  # RHVoice_synth_params
    _fields_ = [("voice_profile", ctypes.c_char_p),
                ("absolute_rate", ctypes.c_double), ("absolute_pitch", ctypes.c_double),
                ("absolute_volume", ctypes.c_double),
                ("relative_rate", ctypes.c_double), ("relative_pitch", ctypes.c_double),
                ("relative_volume", ctypes.c_double),
                ("punctuation_mode", ctypes.c_int), ("punctuation_list", ctypes.c_char_p),
                ("capitals_mode", ctypes.c_int), ("flags", ctypes.c_int)]


LIB_MISSING = "missing: librhvoice5 (libRHVoice.so.5)"
try:
    lib = ctypes.CDLL(os.environ.get("TINYOPS_RHVOICE_LIB", "libRHVoice.so.5"))  # tests name a missing one
except OSError:  # answered per request as LIB_MISSING: rhvoice.ts turns it into a ToolMissingError
    lib = None
libc = ctypes.CDLL(None)


def declare():
    lib.RHVoice_new_tts_engine.restype = ctypes.c_void_p
    lib.RHVoice_new_tts_engine.argtypes = [ctypes.POINTER(InitParams)]
    lib.RHVoice_new_message.restype = ctypes.c_void_p
    lib.RHVoice_new_message.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint, ctypes.c_int,
                                        ctypes.POINTER(SynthParams), ctypes.c_void_p]
    lib.RHVoice_speak.argtypes = [ctypes.c_void_p]
    lib.RHVoice_delete_message.argtypes = [ctypes.c_void_p]

# The child's output state; the callbacks are module-level so ctypes keeps them alive.
state = {"f": None, "rate": 24000, "out": "", "discard": False}


def on_rate(rate, _user):
    state["rate"] = rate
    return 1


def on_samples(samples, n, _user):
    if state["discard"]:  # a warm-up in the server process
        return 1
    if state["f"] is None:  # the stream opens on the first samples, as RHVoice-test's player
        state["f"] = open_wav(state["out"], state["rate"], b"\x00\x00\x00\x00")
    if n > 0:
        state["f"].write(ctypes.string_at(samples, n * 2))
    return 1


CALLBACKS = Callbacks(SET_RATE(on_rate), PLAY(on_samples))


def init():
    declare()
    params = InitParams(None, None, None, CALLBACKS, RHVoice_preload_voices)
    eng = lib.RHVoice_new_tts_engine(ctypes.byref(params))
    if not eng:
        raise RuntimeError("RHVoice_new_tts_engine failed (no voices under /usr/share/RHVoice?)")
    return eng


def synth_params(voice, rate, pitch):
    return SynthParams(voice.encode(), 0.0, 0.0, 0.0, rate / 100.0, pitch / 100.0, 1.0, 0, None, 0, 0)


def warm_up(eng, voice, warm):
    """Load `voice` in the server process, once, so the forked children share it.

    The engine loads a voice's data on its first message, not at RHVoice_new_tts_engine (even
    with RHVoice_preload_voices): without this every child loaded it again, ≈ 80 % of a
    render's CPU. The warm-up message's samples are discarded. Renders after it are the bytes
    of a fresh RHVoice-test (test/unit/synth/rhvoice-server.test.ts, the bench's 400).
    """
    if voice in warm:
        return
    warm.add(voice)
    sp = synth_params(voice, 100, 100)
    text = b"a\n"
    msg = lib.RHVoice_new_message(eng, text, len(text), RHVoice_message_text, ctypes.byref(sp), None)
    if msg:  # an unknown voice: the child reports it
        state["discard"] = True
        try:
            lib.RHVoice_speak(msg)
        finally:
            state["discard"] = False
            lib.RHVoice_delete_message(msg)


def child_render(eng, req):
    """In the forked child: RHVoice-test's path; never returns."""
    state["out"] = req["out"]
    sp = synth_params(req["voice"], int(req["rate"]), int(req["pitch"]))
    text = req["text"].encode()
    msg = lib.RHVoice_new_message(eng, text, len(text), RHVoice_message_text, ctypes.byref(sp), None)
    if not msg:
        os.write(2, f"RHVoice_new_message failed for voice {req['voice']!r}\n".encode())
        os._exit(1)
    ok = lib.RHVoice_speak(msg)
    if state["f"] is not None:
        close_wav(state["f"])
    if not ok:
        os.write(2, b"RHVoice_speak failed\n")
        os._exit(1)
    os._exit(0)


def serve():
    libc.prctl(1, 9)  # PR_SET_PDEATHSIG: the server ends with the Node process that started it
    eng = init() if lib is not None else None
    warm = set()

    def handle(req, tmpdir):
        if eng is None:
            raise RuntimeError(LIB_MISSING)
        warm_up(eng, req["voice"], warm)
        return run_forked(lambda: child_render(eng, req), tmpdir)

    serve_requests("tinyops-rhvoice-", ("render",), handle)


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] != "rhvoice":
        print("usage: rhvoice_server.py rhvoice", file=sys.stderr)
        sys.exit(2)
    serve()
