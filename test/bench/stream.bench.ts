import { rmSync } from 'node:fs';
import { findBoard } from '../../src/boards/registry';
import { estimateLatency } from '../../src/deploy';
import { MFCC_CONTRACTS, mfccConfigSchema, mfccParams, type MfccContract } from '../../src/dsp/mfcc-config';
import {
  runStreamTestBoard,
  STREAM_PHASES,
  streamSignal,
  writeStreamTest,
  type StreamPhase,
} from '../helpers/stream-firmware';

/**
 * Streaming front end benchmark (on demand: `node dist/test/bench/stream.bench.js`): the KWS
 * MFCC one hop at a time (firmware/stream/tops_stream.c) on the Cortex-M4 and M7 boards in QEMU,
 * 4 s of test signals (speech-like, noise, silence, tones). Prints one JSON object per board:
 * median / max instructions per hop, the ratio to the 60 k target, the estimated time
 * per hop (src/deploy/cycle-model.ts) and the front end's share of a 20 ms hop (its duty cycle;
 * the deploy stage's `dutyCycle` adds the model's inferences). Instruction counts are exact
 * and machine-independent; only the CPI model is an estimate. `phases` is the median hop of a
 * second build with phase markers (-DTOPS_MFCC_PROFILE) split into its steps: block peak (with
 * the window memmove), window + bit reversal, complex FFT, split, bands + log, DCT, ring copy.
 * One object per fixed-point contract too (features `contract:`): both by default, or the one
 * named on the command line (`node dist/test/bench/stream.bench.js q31-fast`).
 */
const TARGET_PER_HOP = 60_000;

async function main(): Promise<void> {
  const only = process.argv[2];
  const contracts = MFCC_CONTRACTS.filter((c) => only === undefined || c === only);
  if (contracts.length === 0) throw new Error(`unknown contract ${only}; expected one of ${MFCC_CONTRACTS.join(', ')}`);
  for (const contract of contracts) await benchContract(contract);
}

async function benchContract(contract: MfccContract): Promise<void> {
  const params = mfccParams(mfccConfigSchema.parse({ contract }));
  const hopMs = (params.strideSamples * 1000) / params.sampleRate;
  for (const board of ['stm32f446re', 'stm32f746zg']) {
    const dir = writeStreamTest({ params, pcm: streamSignal('bench', 2, params) });
    try {
      const r = await runStreamTestBoard(dir, board);
      if (r.exitCode !== 0 || r.frontEnd?.mismatches !== 0)
        throw new Error(`streaming front end failed on ${board}:\n${r.stdout}`);
      const frames = r.hopCounts.slice(params.windowSamples / params.strideSamples - 1);
      const sorted = [...frames].sort((a, b) => a.instructions - b.instructions);
      const med = sorted[Math.floor(sorted.length / 2)]!;
      const ms = estimateLatency(board, med).ms;
      const profiled = await runStreamTestBoard(dir, board, { profile: true });
      const phases = Object.fromEntries(
        STREAM_PHASES.map((p: StreamPhase) => {
          const v = (profiled.phases ?? []).map((h) => h[p]).sort((a, b) => a - b);
          return [p, v[Math.floor(v.length / 2)] ?? 0];
        }),
      );
      process.stdout.write(
        `${JSON.stringify({
          bench: 'stream-frontend',
          contract,
          board,
          core: findBoard(board)!.core,
          hops: frames.length,
          instructionsPerHop: med.instructions,
          maxInstructionsPerHop: sorted[sorted.length - 1]!.instructions,
          targetPerHop: TARGET_PER_HOP,
          ratioToTarget: Number((med.instructions / TARGET_PER_HOP).toFixed(3)),
          estimatedMsPerHop: Number(ms.toFixed(4)),
          frontEndDutyCycle: Number((ms / hopMs).toFixed(5)),
          phases,
        })}\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
