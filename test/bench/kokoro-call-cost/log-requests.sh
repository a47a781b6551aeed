#!/bin/sh
# TINYOPS_TTS_PYTHON wrapper (kokoro-requests.ts installs it when KOKORO_REQ_LOG is set): appends every request line the TypeScript side sends to the
# render server to $KOKORO_REQ_LOG (default /tmp/kokoro-requests.log), then runs the TTS venv's Python.
tee -a "${KOKORO_REQ_LOG:-/tmp/kokoro-requests.log}" | exec "${TINYOPS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyops}/tts-venv/bin/python" "$@"
