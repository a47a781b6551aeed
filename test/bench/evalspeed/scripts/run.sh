#!/bin/bash
# usage: run.sh DISTDIR PIPELINE TAG [node flags...]   (renames the *-bench stage to *-TAG so it reruns:
# the stage name is in the cache key; output under /tmp/evalspeed/TAG.{json,err,time})
cd "$(dirname "$0")/../../../.."   # the worktree root: its dist-* builds and its .tinyops
D=$1; P=$2; T=$3; shift 3
mkdir -p /tmp/evalspeed/pipes
sed "s/-bench:/-$T:/" $P > test/bench/evalspeed/.tmp-$T.yaml
/usr/bin/time -v -o /tmp/evalspeed/$T.time nice -n 5 node "$@" $D/src/cli/main.js run test/bench/evalspeed/.tmp-$T.yaml --store /work/main/.tinyops/store --json > /tmp/evalspeed/$T.json 2> /tmp/evalspeed/$T.err
echo rc=$? >> /tmp/evalspeed/$T.time
rm -f test/bench/evalspeed/.tmp-$T.yaml
