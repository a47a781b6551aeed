#!/bin/bash
# Two "recorded" folders for the compose-kws transfer measurement (docs/results/2026-12-04-compose-kws-transfer.md):
#   make-folders.sh OUT espeak   train/validation speakers = 6 espeak-ng voices
#   make-folders.sh OUT mixed    train/validation speakers = 2 SVOX Pico + 4 RHVoice voices
# In both, the test speakers are 4 flite voices (an engine family neither trains on), named in
# testing_list.txt; one speaker per folder is the validation speaker. One take per (speaker, word);
# backgrounds: 60 s pink, 60 s brown, 30 s 50 Hz hum at -25 dBFS (src/audio/noise.ts, seeded).
# Needs espeak-ng, libttspico-utils, rhvoice + rhvoice-english, flite, and a build (dist/).
set -e
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
OUT=$1; FAM=$2
WORDS="yes no up down left right on off stop go bed bird cat dog happy house tree wow zero one learn follow"
rm -rf $OUT; mkdir -p $OUT
: > $OUT/validation_list.txt; : > $OUT/testing_list.txt
say() { # speaker engine voice word
  local f=$OUT/$4/$1_nohash_0.wav; mkdir -p $OUT/$4
  case $2 in
    espeak) espeak-ng -v $3 -w $f $4 ;;
    pico) pico2wave -l $3 -w $f $4 ;;
    rhvoice) echo $4 | RHVoice-test -p $3 -o $f ;;
    flite) flite -voice $3 -t $4 -o $f ;;
  esac
}
if [ $FAM = espeak ]; then
  TRAIN="esp1:espeak:en-us esp2:espeak:en-gb+f2 esp3:espeak:en-us+m3 esp4:espeak:en-029 esp5:espeak:en-gb-scotland+f3"; VAL="esp6:espeak:en-us-nyc+f1"
else
  TRAIN="pico1:pico:en-US pico2:pico:en-GB rhv1:rhvoice:bdl rhv2:rhvoice:clb rhv3:rhvoice:alan"; VAL="rhv4:rhvoice:slt"
fi
TEST="fl1:flite:kal16 fl2:flite:awb fl3:flite:rms fl4:flite:slt"
for w in $WORDS; do
  for s in $TRAIN $VAL $TEST; do IFS=: read id eng v <<< "$s"; say $id $eng $v $w; done
  for s in $VAL; do IFS=: read id eng v <<< "$s"; echo "$w/${id}_nohash_0.wav" >> $OUT/validation_list.txt; done
  for s in $TEST; do IFS=: read id eng v <<< "$s"; echo "$w/${id}_nohash_0.wav" >> $OUT/testing_list.txt; done
done
mkdir -p $OUT/_background_noise_
node -e "
const d = '$REPO/dist/src/';
const { pinkNoise, brownNoise, humNoise } = require(d + 'audio/noise'); const { gainToDbfs } = require(d + 'audio/mix');
const { encodeWav16 } = require(d + 'audio/wav'); const { Prng } = require(d + 'util/prng'); const fs = require('fs');
const r = Prng.derive('cx-bg'); const SR = 16000;
const files = { 'pink.wav': pinkNoise(60 * SR, r), 'brown.wav': brownNoise(60 * SR, SR, r), 'hum.wav': humNoise(30 * SR, SR, 50, r) };
for (const [n, x] of Object.entries(files)) fs.writeFileSync('$OUT/_background_noise_/' + n, encodeWav16(gainToDbfs(x, -25), SR));
"
