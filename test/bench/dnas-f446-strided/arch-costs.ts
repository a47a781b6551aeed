import { architectureCosts } from '../../../src/dnas/arch-costs';
import { findBoard } from '../../../src/boards/registry';
import { DEFAULT_BATCH_NORM, DS_CNN_PRESETS, type DsCnnArchitecture, type Pair } from '../../../src/nn/ds-cnn-arch';
import { loadTf } from '../../../src/nn/tf';

/**
 * Predicted costs (src/dnas/arch-costs.ts, the dnas stage's own estimator) of DS-CNNs written as
 * `first|w1s,w2,…` (`s`: depthwise stride 2×2; a leading `m:` gives the first conv DS-CNN-M's
 * stride 2×1, else DS-CNN-S's 2×2), on one board, for kws.yaml's 49×10 MFCC and 12 labels.
 * Used to pick hand-designed DS-CNN-M-geometry models within DS-CNN-S's instruction budget
 * (docs/results/2026-12-05-dnas-f446-strided.md).
 *
 *   node dist/test/bench/dnas-f446-strided/arch-costs.js stm32f446re ds-cnn-s 'm:64|88s,88,88,88'
 */

const INPUT: Pair = [49, 10];
const CLASSES = 12;

export function parseArch(spec: string): DsCnnArchitecture {
  if (spec in DS_CNN_PRESETS) return DS_CNN_PRESETS[spec as keyof typeof DS_CNN_PRESETS];
  const m = /^(m:)?(\d+)\|(\d+s?(?:,\d+s?)*)$/.exec(spec);
  if (!m) throw new Error(`not an architecture: ${spec} (e.g. 'm:64|88s,88,88,88' or ds-cnn-s)`);
  const blocks = m[3]!.split(',').map((b) => {
    const strided = b.endsWith('s');
    return { filters: Number(strided ? b.slice(0, -1) : b), stride: (strided ? [2, 2] : [1, 1]) as Pair };
  });
  return {
    firstConv: { filters: Number(m[2]), kernel: [10, 4], stride: m[1] ? [2, 1] : [2, 2] },
    blocks,
    skip: false,
    dropout: 0.2,
    batchNorm: DEFAULT_BATCH_NORM,
  };
}

function main(): void {
  const [boardName, ...specs] = process.argv.slice(2);
  const board = boardName === undefined ? undefined : findBoard(boardName);
  if (board === undefined || specs.length === 0) {
    process.stderr.write('usage: arch-costs.js BOARD ARCH…\n');
    process.exit(2);
  }
  const tf = loadTf();
  for (const spec of specs) {
    const c = architectureCosts(tf, parseArch(spec), {
      inputShape: INPUT,
      numClasses: CLASSES,
      core: board.core,
      clockHz: board.clockHz,
    });
    process.stdout.write(
      `${JSON.stringify({ arch: spec, instructions: c.instructions, latencyMs: Number(c.latencyMs.toFixed(2)), macs: c.macs, params: c.params, flashBytes: c.flashBytes, sramBytes: c.sramBytes })}\n`,
    );
  }
}

if (require.main === module) main();
