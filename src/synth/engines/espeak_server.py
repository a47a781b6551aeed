"""Fork server for espeak-ng and MBROLA renders (src/synth/espeak.ts, python-server.ts).

    python espeak_server.py espeak-ng

One `espeak-ng` process per word cost an exec, the dynamic linking and espeak-ng's start-up
(phoneme tables, voice list) for every render. This server loads libespeak-ng once and
initialises it exactly as the `espeak-ng` command does before it reads its voice option
(espeak_ng_InitializePath(NULL), espeak_ng_Initialize, espeak_ng_InitializeOutput in
synchronous mode), then forks one child per request. The child starts from that state, which
is a fresh `espeak-ng` process's state at the same point, and does what the command does with
`-v VOICE -p P -s S -a A -w OUT -- TEXT`: the voice by name (else by language, as the command
falls back), rate, volume, pitch, then espeak_Synth of the text with the command's flags
(espeakCHARS_AUTO | espeakPHONEMES | espeakENDPAUSE), writing the samples into a WAV file the
way the command's OpenWavFile / CloseWavFile do (a 44-byte header, sizes filled in at the end).
No state of one render reaches the next (each child exits), so the bytes equal the command's:
test/unit/synth/espeak-server.test.ts and test/bench/engine-cpu compare them.

`-q -x` (phoneme mnemonics, espeak-family.ts) is the same with espeak_SetPhonemeTrace(1, file)
and no audio callback output, as the command's quiet mode.

Protocol as tts_server.py: one JSON request per stdin line, one JSON answer per stdout line.
    {"id": 1, "op": "render", "voice": "en-us+f3", "pitch": 50, "speed": 175, "amplitude": 100,
     "text": "yes", "out": "/path.wav"} -> {"id": 1, "ok": true, "code": 0, "stderr": ""}
    {"id": 2, "op": "phonemes", "voice": "en-us", "text": "yes"} -> {..., "stdout": "j'Es\\n"}
`code` and `stderr` are the child's exit status and what it wrote to stderr (espeak-ng's and
MBROLA's messages): the TypeScript side judges them as it judged the command's.
"""
import ctypes
import os
import sys

from fork_server import close_wav, open_wav, run_forked, serve_requests

ENOUTPUT_MODE_SYNCHRONOUS = 0x0001
POS_CHARACTER = 1
SYNTH_FLAGS = 0x0000 | 0x0100 | 0x1000  # espeakCHARS_AUTO | espeakPHONEMES | espeakENDPAUSE
espeakRATE, espeakVOLUME, espeakPITCH = 1, 2, 3
espeakEVENT_SAMPLERATE = 8
espeakPHONEMES_SHOW = 0x01


class Event(ctypes.Structure):  # espeak_EVENT (speak_lib.h)
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_int64)]


class Voice(ctypes.Structure):  # espeak_VOICE (speak_lib.h)
    _fields_ = [("name", ctypes.c_char_p), ("languages", ctypes.c_char_p), ("identifier", ctypes.c_char_p),
                ("gender", ctypes.c_ubyte), ("age", ctypes.c_ubyte), ("variant", ctypes.c_ubyte),
                ("xx1", ctypes.c_ubyte), ("score", ctypes.c_int), ("spare", ctypes.c_void_p)]


CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(Event))

lib = ctypes.CDLL("libespeak-ng.so.1")
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.fclose.argtypes = [ctypes.c_void_p]
lib.espeak_SetPhonemeTrace.argtypes = [ctypes.c_int, ctypes.c_void_p]
lib.espeak_ng_SetVoiceByName.argtypes = [ctypes.c_char_p]
lib.espeak_ng_SetVoiceByProperties.argtypes = [ctypes.POINTER(Voice)]
lib.espeak_SetSynthCallback.argtypes = [CALLBACK]
lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                             ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]


def status_message(code):
    buf = ctypes.create_string_buffer(512)
    lib.espeak_ng_GetStatusCodeMessage(code, buf, len(buf))
    return buf.value.decode(errors="replace")


def init():
    lib.espeak_ng_InitializePath(None)
    ctx = ctypes.c_void_p()
    r = lib.espeak_ng_Initialize(ctypes.byref(ctx))
    if r != 0:
        raise RuntimeError(f"espeak_ng_Initialize: {status_message(r)}")
    r = lib.espeak_ng_InitializeOutput(ENOUTPUT_MODE_SYNCHRONOUS, 0, None)
    if r != 0:
        raise RuntimeError(f"espeak_ng_InitializeOutput: {status_message(r)}")
    return lib.espeak_ng_GetSampleRate()


def set_voice(name):
    r = lib.espeak_ng_SetVoiceByName(name.encode())
    if r != 0:
        sel = Voice()
        sel.languages = name.encode()
        r = lib.espeak_ng_SetVoiceByProperties(ctypes.byref(sel))
        if r != 0:
            os.write(2, f"{status_message(r)}\n".encode())
            os._exit(1)


def child_render(req, rate0):
    """In the forked child: the command's -w path; never returns."""
    state = {"f": None, "rate": rate0}
    out = req["out"]

    def on_samples(wav, n, events):
        if not wav:  # the command's SynthCallback ignores these calls, events included
            return 0
        i = 0
        while events[i].type != 0:
            if events[i].type == espeakEVENT_SAMPLERATE:
                state["rate"] = events[i].id & 0xFFFFFFFF
            i += 1
        if state["f"] is None:
            state["f"] = open_wav(out, state["rate"], b"\x24\xf0\xff\x7f")
        if n > 0:
            state["f"].write(ctypes.string_at(wav, n * 2))
        return 0

    cb = CALLBACK(on_samples)
    lib.espeak_SetSynthCallback(cb)
    set_voice(req["voice"])
    lib.espeak_SetParameter(espeakRATE, int(req["speed"]), 0)
    lib.espeak_SetParameter(espeakVOLUME, int(req["amplitude"]), 0)
    lib.espeak_SetParameter(espeakPITCH, int(req["pitch"]), 0)
    text = req["text"].encode()
    lib.espeak_Synth(text, len(text) + 1, 0, POS_CHARACTER, 0, SYNTH_FLAGS, None, None)
    r = lib.espeak_ng_Synchronize()
    if state["f"] is not None:
        close_wav(state["f"])
    if r != 0:
        os.write(2, f"{status_message(r)}\n".encode())
        os._exit(1)
    os._exit(0)


def child_phonemes(req, out_path):
    """In the forked child: the command's -q -x path; never returns."""
    cb = CALLBACK(lambda wav, n, events: 0)  # kept referenced: ctypes frees an unreferenced one
    lib.espeak_SetSynthCallback(cb)
    set_voice(req["voice"])
    fp = libc.fopen(out_path.encode(), b"w")
    lib.espeak_SetPhonemeTrace(espeakPHONEMES_SHOW, fp)
    text = req["text"].encode()
    lib.espeak_Synth(text, len(text) + 1, 0, POS_CHARACTER, 0, SYNTH_FLAGS, None, None)
    r = lib.espeak_ng_Synchronize()
    libc.fclose(fp)
    if r != 0:
        os.write(2, f"{status_message(r)}\n".encode())
        os._exit(1)
    os._exit(0)


def run_child(req, rate0, tmpdir):
    out_path = os.path.join(tmpdir, "stdout")
    if req["op"] == "render":
        return {**run_forked(lambda: child_render(req, rate0), tmpdir), "stdout": ""}
    ans = run_forked(lambda: child_phonemes(req, out_path), tmpdir)
    stdout = ""
    if os.path.exists(out_path):
        with open(out_path, "r", encoding="utf-8", errors="replace") as f:
            stdout = f.read()
        os.remove(out_path)
    return {**ans, "stdout": stdout}


def serve():
    rate0 = init()
    serve_requests("tinyops-espeak-", ("render", "phonemes"), lambda req, tmpdir: run_child(req, rate0, tmpdir))


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] != "espeak-ng":
        print("usage: espeak_server.py espeak-ng", file=sys.stderr)
        sys.exit(2)
    serve()
