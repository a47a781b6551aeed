"""What the fork servers share (espeak_server.py, rhvoice_server.py): 16-bit mono WAV output the way
the engines' commands write it, one forked child per request, and the JSON-lines request loop.

Each server initialises its engine once, then renders every request in a forked child that starts
from that state and exits, so no state of one render reaches the next (byte-identical to one
command per word). Imported from the server scripts' own directory (python puts it on sys.path).
"""
import ctypes
import json
import os
import struct
import sys
import tempfile

libc = ctypes.CDLL(None)
PR_SET_PDEATHSIG, SIGKILL = 1, 9


def open_wav(path, rate, size_placeholder):
    """A 44-byte PCM16 mono header; the RIFF and data sizes (`size_placeholder`, 4 bytes each, as the
    command writes them before it knows the length) are filled in by close_wav."""
    f = open(path, "wb")
    f.write(b"RIFF" + size_placeholder + b"WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00")
    f.write(struct.pack("<II", rate, rate * 2))
    f.write(b"\x02\x00\x10\x00data" + size_placeholder)
    return f


def close_wav(f):
    """Write the RIFF size (file − 8) and the data size (file − 44), then close."""
    f.flush()
    pos = f.tell()
    f.seek(4)
    f.write(struct.pack("<I", (pos - 8) & 0xFFFFFFFF))
    f.seek(40)
    f.write(struct.pack("<I", (pos - 44) & 0xFFFFFFFF))
    f.close()


def run_forked(child, tmpdir):
    """Run child() (which must end with os._exit) in a forked process with stderr captured;
    returns {"code", "stderr"}. A killed server (timeout) takes its child with it."""
    err_path = os.path.join(tmpdir, "stderr")
    pid = os.fork()
    if pid == 0:
        try:
            libc.prctl(PR_SET_PDEATHSIG, SIGKILL)
            fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 2)
            os.close(fd)
            child()
        except BaseException as e:  # noqa: BLE001 - the child must never return into the loop
            os.write(2, f"{type(e).__name__}: {e}\n".encode())
        os._exit(1)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    with open(err_path, "r", encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    return {"code": code, "stderr": stderr}


def serve_requests(prefix, ops, handle):
    """One JSON request per stdin line, one JSON answer per stdout line: {"id", "ok": true, **handle(req,
    tmpdir)} or {"id", "ok": false, "error"}; one bad request does not end the server."""
    out = sys.stdout
    with tempfile.TemporaryDirectory(prefix=prefix) as tmpdir:
        for line in sys.stdin:
            if not line.strip():
                continue
            rid = None
            try:
                req = json.loads(line)
                rid = req.get("id")
                if req["op"] not in ops:
                    raise ValueError(f"unknown op {req['op']!r}")
                ans = {"id": rid, "ok": True, **handle(req, tmpdir)}
            except Exception as e:  # one bad request must not end the server
                ans = {"id": rid, "ok": False, "error": f"{type(e).__name__}: {e}"}
            out.write(json.dumps(ans) + "\n")
            out.flush()
