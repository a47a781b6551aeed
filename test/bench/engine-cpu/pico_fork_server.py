"""EXPERIMENT, not used by the engine (docs/results/2026-12-05-engine-cpu.md, "Pico"): a fork
server for SVOX Pico renders, byte-identical to pico2wave but no cheaper per render.

    python pico_fork_server.py pico LANG     LANG: en-US | en-GB; JSON lines on stdin:
    {"id": 1, "op": "render", "text": "<speed level='97'>...", "out": "/path.wav"}
    -> {"id": 1, "ok": true, "code": 0, "stderr": ""}

It does `pico2wave`'s set-up once, call for call (pico_initialize on a 2,500,000-byte area,
pico_loadResource of the text-analysis then the signal-generation file, their names, the voice
definition "PicoVoice" with both, pico_newEngine), and forks one child per request from that
state, which does what `pico2wave -l LANG -w OUT -- TEXT` does next: picoos_sdfOpenOut (16 kHz,
linear), pico_putTextUtf8 of the text with its NUL, pico_getData in 128-byte steps collected in a
256-byte buffer handed to picoos_sdfPutSamples, picoos_sdfCloseOut (the library writes the WAV).
Driven through python-server.ts in place of pico2wave, all 951 Pico requests of the default plan
were byte-identical to the render cache, at 0.0064 CPU s per render against pico2wave's 0.0063.
"""
import ctypes
import json
import os
import sys
import tempfile

LANG_DIR = "/usr/share/pico/lang/"
MEM_SIZE = 2500000
VOICE = b"PicoVoice"
PICO_STEP_IDLE, PICO_STEP_BUSY = 200, 201
PICOOS_ENC_LIN = 1
MAX_OUTBUF_SIZE, BUFFER_SIZE = 128, 256

lib = ctypes.CDLL("libttspico.so.0")
libc = ctypes.CDLL(None)
lib.pico_sysGetCommon.restype = ctypes.c_void_p


def sg_file(lang):
    names = [f for f in os.listdir(LANG_DIR) if f.startswith(f"{lang}_") and f.endswith("_sg.bin")]
    if len(names) != 1:
        raise RuntimeError(f"no single signal generation file for {lang} in {LANG_DIR}: {names}")
    return names[0]


class Pico:
    def __init__(self, lang):
        def ok(r, what):
            if r != 0:
                raise RuntimeError(f"pico: {what} failed ({r})")
        self.mem = ctypes.create_string_buffer(MEM_SIZE)
        self.system = ctypes.c_void_p()
        ok(lib.pico_initialize(self.mem, MEM_SIZE, ctypes.byref(self.system)), "pico_initialize")
        ta, sg = ctypes.c_void_p(), ctypes.c_void_p()
        ok(lib.pico_loadResource(self.system, f"{LANG_DIR}{lang}_ta.bin".encode(), ctypes.byref(ta)), "load ta")
        ok(lib.pico_loadResource(self.system, f"{LANG_DIR}{sg_file(lang)}".encode(), ctypes.byref(sg)), "load sg")
        ta_name, sg_name = ctypes.create_string_buffer(256), ctypes.create_string_buffer(256)
        ok(lib.pico_getResourceName(self.system, ta, ta_name), "ta name")
        ok(lib.pico_getResourceName(self.system, sg, sg_name), "sg name")
        ok(lib.pico_createVoiceDefinition(self.system, VOICE), "voice definition")
        ok(lib.pico_addResourceToVoiceDefinition(self.system, VOICE, ta_name), "add ta")
        ok(lib.pico_addResourceToVoiceDefinition(self.system, VOICE, sg_name), "add sg")
        self.engine = ctypes.c_void_p()
        ok(lib.pico_newEngine(self.system, VOICE, ctypes.byref(self.engine)), "pico_newEngine")
        self.common = ctypes.c_void_p(lib.pico_sysGetCommon(self.system))

    def child_render(self, text, out):
        """In the forked child: pico2wave's synthesis loop; never returns."""
        def fail(msg):
            os.write(2, (msg + "\n").encode())
            os._exit(1)
        sd = ctypes.c_void_p()
        if lib.picoos_sdfOpenOut(self.common, ctypes.byref(sd), out.encode(), 16000, PICOOS_ENC_LIN) != 1:
            fail("Cannot open output wave file")
        data = ctypes.create_string_buffer(text.encode())  # with its NUL, as strlen + 1
        remaining, pos = len(data.raw), 0
        outbuf = ctypes.create_string_buffer(MAX_OUTBUF_SIZE)
        buffer = ctypes.create_string_buffer(BUFFER_SIZE)
        used = 0
        sent, recv, dtype = ctypes.c_int16(), ctypes.c_int16(), ctypes.c_int16()
        while remaining:
            r = lib.pico_putTextUtf8(self.engine, ctypes.byref(data, pos), remaining, ctypes.byref(sent))
            if r != 0:
                fail(f"Cannot put Text ({r})")
            remaining -= sent.value
            pos += sent.value
            while True:
                st = lib.pico_getData(self.engine, outbuf, MAX_OUTBUF_SIZE, ctypes.byref(recv), ctypes.byref(dtype))
                if st not in (PICO_STEP_BUSY, PICO_STEP_IDLE):
                    fail(f"Cannot get Data ({st})")
                n = recv.value
                if n:
                    if used + n <= BUFFER_SIZE:
                        ctypes.memmove(ctypes.byref(buffer, used), outbuf, n)
                        used += n
                    else:
                        lib.picoos_sdfPutSamples(sd, used // 2, buffer)
                        ctypes.memmove(buffer, outbuf, n)
                        used = n
                if st != PICO_STEP_BUSY:
                    break
            lib.picoos_sdfPutSamples(sd, used // 2, buffer)
        if lib.picoos_sdfCloseOut(self.common, ctypes.byref(sd)) != 1:
            fail("Cannot close output wave file")
        os._exit(0)


def serve(lang):
    pico = Pico(lang)
    out = sys.stdout
    with tempfile.TemporaryDirectory(prefix="tinyops-pico-") as tmpdir:
        err_path = os.path.join(tmpdir, "stderr")
        for line in sys.stdin:
            if not line.strip():
                continue
            rid = None
            try:
                req = json.loads(line)
                rid = req.get("id")
                if req["op"] != "render":
                    raise ValueError(f"unknown op {req['op']!r}")
                pid = os.fork()
                if pid == 0:
                    try:
                        libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: a killed server leaves no child
                        fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                        os.dup2(fd, 2)
                        os.close(fd)
                        pico.child_render(req["text"], req["out"])
                    except BaseException as e:  # noqa: BLE001 - the child must never return into the loop
                        os.write(2, f"{type(e).__name__}: {e}\n".encode())
                    os._exit(1)
                _, status = os.waitpid(pid, 0)
                with open(err_path, "r", encoding="utf-8", errors="replace") as f:
                    stderr = f.read()
                ans = {"id": rid, "ok": True, "code": os.waitstatus_to_exitcode(status), "stderr": stderr}
            except Exception as e:  # one bad request must not end the server
                ans = {"id": rid, "ok": False, "error": f"{type(e).__name__}: {e}"}
            out.write(json.dumps(ans) + "\n")
            out.flush()


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "pico":
        print("usage: pico_server.py pico LANG", file=sys.stderr)
        sys.exit(2)
    serve(sys.argv[2])
