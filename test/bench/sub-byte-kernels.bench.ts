/**
 * Instructions per kernel call and per MAC on Cortex-M4 (mps2-an386 under QEMU, `-icount shift=0`,
 * SysTick ticks × the calibrated instructions per tick, firmware/test/tops_icount.h), ref and dsp
 * variants, for the packed int4 / int2 weight kernels against the int8 kernel on the same layer and the same
 * weights (values in [−1, 1], so all three give identical outputs, which the harness checks).
 * Layers of a DS-CNN-S for KWS (MicroNets §4, 49×10 MFCC input). Prints one JSON line.
 *
 *   node dist/test/bench/sub-byte-kernels.bench.js
 */
import { rmSync } from 'node:fs';
import type { KernelKind, KernelTestCase } from '../helpers/test-vectors';
import {
  conv2d,
  depthwiseConv2d,
  dimsSize,
  fullyConnected,
  packSubByteWeights,
  quantizeMultiplier,
  type Dims,
  type PerChannelQuant,
} from '../../src/nn/int-reference';
import { Prng } from '../../src/util/prng';
import { buildBoardHarness, runBoardHarnessIcount, writeVectors, type KernelVariant } from '../helpers/firmware-build';

type Base = 'conv2d' | 'pointwise_conv2d' | 'depthwise_conv2d' | 'fully_connected';
interface Layer {
  name: string;
  base: Base;
  input: Dims;
  filter: Dims;
  output: Dims;
  stride: number;
  pad: [number, number];
}

const LAYERS: Layer[] = [
  {
    name: 'conv 10x4 s2, 1→64 (49x10)',
    base: 'conv2d',
    input: { n: 1, h: 49, w: 10, c: 1 },
    filter: { n: 64, h: 10, w: 4, c: 1 },
    output: { n: 1, h: 25, w: 5, c: 64 },
    stride: 2,
    pad: [4, 1],
  },
  {
    name: 'depthwise 3x3, 64 (25x5)',
    base: 'depthwise_conv2d',
    input: { n: 1, h: 25, w: 5, c: 64 },
    filter: { n: 1, h: 3, w: 3, c: 64 },
    output: { n: 1, h: 25, w: 5, c: 64 },
    stride: 1,
    pad: [1, 1],
  },
  {
    name: 'pointwise 64→64 (25x5)',
    base: 'pointwise_conv2d',
    input: { n: 1, h: 25, w: 5, c: 64 },
    filter: { n: 64, h: 1, w: 1, c: 64 },
    output: { n: 1, h: 25, w: 5, c: 64 },
    stride: 1,
    pad: [0, 0],
  },
  {
    name: 'fully connected 256→64',
    base: 'fully_connected',
    input: { n: 1, h: 1, w: 1, c: 256 },
    filter: { n: 64, h: 1, w: 1, c: 256 },
    output: { n: 1, h: 1, w: 1, c: 64 },
    stride: 1,
    pad: [0, 0],
  },
];

function cases(): KernelTestCase[] {
  const p = Prng.derive('bench', 'sub-byte-kernels');
  const out: KernelTestCase[] = [];
  LAYERS.forEach((l, li) => {
    const input = Int8Array.from({ length: dimsSize(l.input) }, () => p.int(-128, 127));
    const filter = Int8Array.from({ length: dimsSize(l.filter) }, () => p.int(-1, 1));
    const bias = Int32Array.from({ length: l.output.c }, () => p.int(-500, 500));
    const q = quantizeMultiplier(0.02);
    const quant: PerChannelQuant = {
      multiplier: new Int32Array(l.output.c).fill(q.multiplier),
      shift: new Int32Array(l.output.c).fill(q.shift),
    };
    const act = { min: -128, max: 127 };
    const conv = {
      inputOffset: 3,
      outputOffset: -5,
      strideH: l.stride,
      strideW: l.stride,
      padH: l.pad[0],
      padW: l.pad[1],
      activation: act,
    };
    const fc = { inputOffset: 3, outputOffset: -5, activation: act };
    const expected =
      l.base === 'fully_connected'
        ? fullyConnected(fc, q, l.input, input, l.filter, filter, bias, l.output)
        : l.base === 'depthwise_conv2d'
          ? depthwiseConv2d(conv, quant, l.input, input, l.filter, filter, bias, l.output)
          : conv2d(conv, quant, l.input, input, l.filter, filter, bias, l.output);
    for (const bits of [8, 4, 2] as const) {
      const kind = (bits === 8 ? l.base : `${l.base}_s${bits}`) as KernelKind;
      const common = {
        kind,
        name: `layer${li}_s${bits}`,
        inputDims: l.input,
        input,
        filterDims: l.filter,
        bias,
        outputDims: l.output,
        expected,
      };
      const weights = bits === 8 ? { filter } : { packedFilter: packSubByteWeights(bits, filter) };
      const params =
        l.base === 'fully_connected'
          ? { fc, perTensor: q }
          : l.base === 'depthwise_conv2d'
            ? { depthwise: conv, perChannel: quant }
            : { conv, perChannel: quant };
      out.push({ ...common, ...weights, ...params });
    }
  });
  return out;
}

/** MACs of a layer (depthwise: one per output value and tap; conv / FC: per output value and window value). */
function macs(l: Layer): number {
  const outputs = dimsSize(l.output);
  return l.base === 'depthwise_conv2d'
    ? outputs * l.filter.h * l.filter.w
    : outputs * l.filter.h * l.filter.w * l.filter.c;
}

/** Instructions per case name for one kernel variant (the harness checks every output first). */
async function measure(
  dir: string,
  variant: KernelVariant,
): Promise<{ perTick: number; instr: (name: string) => number }> {
  const r = runBoardHarnessIcount(await buildBoardHarness(dir, variant, 'stm32f446re', ['TOPS_TEST_TIMING']));
  if (r.exitCode !== 0 || r.mismatches !== 0) throw new Error(`${variant} harness failed:\n${r.stdout}`);
  const cal = /ICOUNT_CALIBRATION instructions=(\d+) ticks=(\d+)/.exec(r.stdout);
  if (!cal) throw new Error(`no calibration line:\n${r.stdout}`);
  const perTick = Number(cal[1]) / Number(cal[2]);
  return {
    perTick,
    instr: (name: string): number => {
      const m = new RegExp(`TICKS ${name} ticks=(\\d+)`).exec(r.stdout);
      if (!m) throw new Error(`no TICKS line for ${name}`);
      return Math.round(Number(m[1]) * perTick);
    },
  };
}

async function main(): Promise<void> {
  const cs = cases();
  const dir = writeVectors(cs, 'bench');
  try {
    const ref = await measure(dir, 'ref');
    const dsp = await measure(dir, 'dsp');
    const layers = LAYERS.map((l, li) => {
      const per = (m: typeof ref): { s8: number; s4: number; s2: number } => {
        const [s8, s4, s2] = [8, 4, 2].map((b) => m.instr(`layer${li}_s${b}`)) as [number, number, number];
        return { s8, s4, s2 };
      };
      const r = per(ref);
      const d = per(dsp);
      const n = dimsSize(l.filter);
      const m = macs(l);
      const perMac = (x: { s8: number; s4: number; s2: number }): { s8: number; s4: number; s2: number } => ({
        s8: +(x.s8 / m).toFixed(3),
        s4: +(x.s4 / m).toFixed(3),
        s2: +(x.s2 / m).toFixed(3),
      });
      return {
        layer: l.name,
        weights: n,
        macs: m,
        weightBytes: { s8: n, s4: Math.ceil(n / 2), s2: Math.ceil(n / 4) },
        instructions: { ref: r, dsp: d },
        instructionsPerMac: { ref: perMac(r), dsp: perMac(d) },
        ratioVsS8: {
          ref: { s4: +(r.s4 / r.s8).toFixed(3), s2: +(r.s2 / r.s8).toFixed(3) },
          dsp: { s4: +(d.s4 / d.s8).toFixed(3), s2: +(d.s2 / d.s8).toFixed(3) },
        },
        dspSpeedup: { s4: +(r.s4 / d.s4).toFixed(2), s2: +(r.s2 / d.s2).toFixed(2) },
      };
    });
    process.stdout.write(
      `${JSON.stringify({ bench: 'sub-byte-kernels', target: 'mps2-an386 Cortex-M4, QEMU -icount shift=0, ref and dsp kernels -O2', instructionsPerTick: ref.perTick, layers })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
