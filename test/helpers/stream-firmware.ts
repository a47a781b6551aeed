/**
 * Builds firmware/test/test_tops_stream.c (streaming front end and detector, tops_stream.h)
 * for the host (gcc) or stm32f446re (arm-none-eabi-gcc, QEMU with the instruction-count
 * plugin), writes the files it reads and parses what it prints.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emitMfccTablesC } from '../../src/codegen/mfcc-tables-c';
import { buildFirmware, countsBetween, runOnQemu, type ExecutionCounts } from '../../src/deploy';
import type { StreamDetectorConfig } from '../../src/deploy/stream-detector';
import type { MfccParams } from '../../src/dsp/mfcc-config';
import { makeFixedMfcc } from '../../src/dsp/fixed-mfcc';
import { HOST_CFLAGS, REPO_ROOT } from './firmware-build';
import { mfccTestClips } from './mfcc-clips';

const FIRMWARE = path.join(REPO_ROOT, 'firmware');
const TABLES = 'tops_stream_test_tables';

export interface StreamTestInput {
  readonly params: MfccParams;
  /** The signal streamed hop by hop (its whole-signal MFCCs are the expected frames). */
  readonly pcm?: Int16Array;
  /** A posterior sequence ([count × classes] int8) for the detector, with its config. */
  readonly detector?: { readonly config: StreamDetectorConfig; readonly posteriors: Int8Array };
}

function le32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}

function int16Bytes(a: Int16Array): Buffer {
  const b = Buffer.alloc(2 * a.length);
  a.forEach((v, i) => b.writeInt16LE(v, 2 * i));
  return b;
}

/** MFCC test clips back to back (speech-like, noise, silence, tones, quiet, clipped): `clips` × clipSamples. */
export function streamSignal(seed: string, clips: number, params: MfccParams): Int16Array {
  const parts = mfccTestClips(seed, params.clipSamples).slice(0, clips);
  const out = new Int16Array(parts.length * params.clipSamples);
  parts.forEach((c, i) => out.set(c.pcm, i * params.clipSamples));
  return out;
}

/** A temp dir with the tables, the config header and the input files. */
export function writeStreamTest(input: StreamTestInput): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tops-stream-'));
  const { params } = input;
  const c = emitMfccTablesC(params, { name: TABLES });
  writeFileSync(path.join(dir, c.headerFile), c.header);
  writeFileSync(path.join(dir, c.sourceFile), c.source);
  const samples = input.pcm?.length ?? 0;
  const expected = input.pcm ? makeFixedMfcc(params).compute(input.pcm) : new Int16Array(0);
  const upper = TABLES.toUpperCase();
  writeFileSync(
    path.join(dir, 'tops_stream_test_config.h'),
    [
      `#include "${c.headerFile}"`,
      `#define TOPS_STREAM_TEST_TABLES ${TABLES}`,
      `#define TOPS_STREAM_TEST_BUFFER_SIZE ${upper}_BUFFER_SIZE`,
      `#define TOPS_STREAM_TEST_FRAMES ${upper}_FRAMES`,
      `#define TOPS_STREAM_TEST_COEFFICIENTS ${upper}_COEFFICIENTS`,
      `#define TOPS_STREAM_TEST_MAX_SAMPLES ${Math.max(1, samples)}`,
      `#define TOPS_STREAM_TEST_MAX_VALUES ${Math.max(1, expected.length)}`,
      '',
    ].join('\n'),
  );
  if (input.pcm) {
    writeFileSync(
      path.join(dir, 'stream_frontend.bin'),
      Buffer.concat([
        Buffer.from('TOPSSTRM', 'latin1'),
        le32(samples),
        le32(expected.length),
        int16Bytes(input.pcm),
        int16Bytes(expected),
      ]),
    );
  }
  if (input.detector) {
    const { config, posteriors } = input.detector;
    const mask = Buffer.from(
      Array.from({ length: config.numClasses }, (_, i) => (config.keywordClasses.includes(i) ? 1 : 0)),
    );
    writeFileSync(
      path.join(dir, 'stream_detector.bin'),
      Buffer.concat([
        Buffer.from('TOPSDETC', 'latin1'),
        le32(config.numClasses),
        le32(config.smoothing),
        le32(config.thresholdQ16),
        le32(config.refractory),
        le32(posteriors.length / config.numClasses),
        mask,
        ...config.classThresholdsQ16.map(le32),
        Buffer.from(posteriors.buffer, posteriors.byteOffset, posteriors.byteLength),
      ]),
    );
  }
  return dir;
}

const sources = (dir: string): string[] => [
  path.join(FIRMWARE, 'test', 'test_tops_stream.c'),
  path.join(FIRMWARE, 'stream', 'tops_stream.c'),
  path.join(FIRMWARE, 'frontend', 'tops_mfcc_q15.c'),
  path.join(dir, `${TABLES}.c`),
];

export interface StreamTestResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly frontEnd?: { readonly hops: number; readonly frames: number; readonly mismatches: number };
  readonly events: ReadonlyArray<{ readonly frame: number; readonly classIndex: number }>;
  /** Board only: instructions of every push (one hop of the streaming front end). */
  readonly hopInstructions?: readonly number[];
}

function parse(exitCode: number | null, stdout: string, hopInstructions?: number[]): StreamTestResult {
  const fe = /TOPS_STREAM_FRONTEND hops=(\d+) frames=(\d+) mismatches=(\d+)/.exec(stdout);
  return {
    exitCode,
    stdout,
    ...(fe ? { frontEnd: { hops: Number(fe[1]), frames: Number(fe[2]), mismatches: Number(fe[3]) } } : {}),
    events: [...stdout.matchAll(/^event (\d+) (\d+)$/gm)].map((m) => ({
      frame: Number(m[1]),
      classIndex: Number(m[2]),
    })),
    ...(hopInstructions ? { hopInstructions } : {}),
  };
}

export function runStreamTestHost(dir: string): StreamTestResult {
  const exe = path.join(dir, 'test_tops_stream');
  execFileSync(
    'gcc',
    [
      ...HOST_CFLAGS,
      '-DTOPS_HOST_BUILD',
      `-I${dir}`,
      `-I${path.join(FIRMWARE, 'include')}`,
      ...sources(dir),
      '-o',
      exe,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const r = spawnSync(exe, [], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return parse(r.status, r.stdout);
}

/** Steps of one hop in the profile build, in order (tops_mfcc_phase() between them, tops_mfcc_q15.c). */
export const STREAM_PHASES = ['peak', 'window', 'fft', 'split', 'bandsLog', 'dct', 'ring'] as const;
export type StreamPhase = (typeof STREAM_PHASES)[number];

/**
 * A registry board (default stm32f446re: Cortex-M4, mps2-an386) at -O2, as the deploy stage builds it.
 * `profile`: build with -DTOPS_MFCC_PROFILE and an out-of-line tops_mfcc_phase(), and split every
 * hop's instructions into STREAM_PHASES (`phases`, one record per hop). The markers cost a call
 * each, so a profiled hop counts a few dozen instructions more than an unprofiled one.
 */
export async function runStreamTestBoard(
  dir: string,
  board = 'stm32f446re',
  options: { readonly profile?: boolean } = {},
): Promise<
  StreamTestResult & { readonly hopCounts: ExecutionCounts[]; readonly phases?: Array<Record<StreamPhase, number>> }
> {
  const profile = options.profile === true;
  const extra: string[] = [];
  if (profile) {
    const phaseSource = path.join(dir, 'tops_mfcc_phase.c');
    writeFileSync(
      phaseSource,
      '#include "tops_mfcc.h"\nvoid tops_mfcc_phase(void);\nvoid tops_mfcc_phase(void) { __asm__ volatile(""); }\n',
    );
    extra.push(phaseSource);
  }
  const build = await buildFirmware({
    board,
    sources: [...sources(dir), ...extra],
    includeDirs: [dir],
    outDir: path.join(dir, `board-${board}${profile ? '-profile' : ''}`),
    elfName: 'test_tops_stream.elf',
    ...(profile ? { defines: ['TOPS_MFCC_PROFILE'] } : {}),
  });
  const r = await runOnQemu({
    board,
    elfPath: build.elfPath,
    workDir: dir,
    timeoutMs: 120_000,
    ...(profile ? { markers: ['tops_mark', 'tops_mfcc_phase'] } : {}),
  });
  const hopCounts: ExecutionCounts[] = [];
  const phases: Array<Record<StreamPhase, number>> = [];
  let open: { counts: ExecutionCounts; cuts: number[] } | undefined;
  for (const hit of r.markerHits) {
    if (hit.symbol === 'tops_mfcc_phase') {
      open?.cuts.push(hit.counts.instructions);
    } else if (open === undefined) {
      open = { counts: hit.counts, cuts: [] };
    } else {
      hopCounts.push(countsBetween(open.counts, hit.counts));
      // A hop that completes a frame passes every phase marker; the first hops only fill the window.
      if (profile && open.cuts.length === STREAM_PHASES.length - 1) {
        const edges = [open.counts.instructions, ...open.cuts, hit.counts.instructions];
        phases.push(
          Object.fromEntries(STREAM_PHASES.map((p, i) => [p, edges[i + 1]! - edges[i]!])) as Record<
            StreamPhase,
            number
          >,
        );
      }
      open = undefined;
    }
  }
  return {
    ...parse(
      r.exitCode,
      r.stdout,
      hopCounts.map((c) => c.instructions),
    ),
    hopCounts,
    ...(profile ? { phases } : {}),
  };
}
