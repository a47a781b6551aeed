#!/bin/bash
# usage: beside.sh DISTDIR TAG — evaluate and train-4bit of the default run together (as after quantize in
# a cold run: one worker process, two activity slots), everything else a cache hit on the shared store.
# The extractions a cold run has not made when evaluate starts (the stream artifacts, the int-model,
# the real-speech dataset) are removed from this worktree's .tinyops/extract first; the dataset, the
# float model and the feature splits stay (features, train and quantize extracted them).
# Output under /tmp/evalspeed/TAG.{json,err,time}.
cd "$(dirname "$0")/../../../.."
D=$1; T=$2
X=.tinyops/extract
rm -rf $X/5766e81d8d2d575b05667c16bde7d0f46e760f3acd077348cfb098c2c71d710c \
  $X/3b57ae5792b28b11216255a8853bb9bfd6bc417ba34dca11369d66d838c6922d \
  $X/90ce411671a91e9edded4327375947823f177c60d361b5913947390e99e41655 \
  $X/d548a064513762b9b2de5969c70782f340ad25e24de4656b121af5aa027c7c76.bin
bash test/bench/evalspeed/scripts/run.sh $D test/bench/evalpar/kws-evaluate-beside-train4bit.yaml $T
