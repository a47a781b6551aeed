/**
 * Anomaly detection through the board stages end to end on tiny data (real CLI, Temporal dev
 * server, arm-none-eabi-gcc, QEMU): synth-machine → log-mel features → ID classifier → quantize
 * → codegen (log-mel front-end tables) → deploy runs test patches audio → log-mel → ID on the
 * emulated stm32f446re bit for bit, with the real-time figure; evaluate-ad reports intAuc from
 * the host-compiled integer model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, successfulRun, type RunJson } from '../helpers/cli';
import { useTemporalHome } from '../helpers/temporal-server';

const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-ad-board.yaml');
jest.setTimeout(300_000);

describe('tinyops run: anomaly detection → quantize → codegen → deploy (QEMU)', () => {
  const t = useTemporalHome('tinyops-ad-');
  let run: RunJson;

  beforeAll(async () => {
    run = await successfulRun(t, pipeline);
  });

  it('deploys the classifier with the log-mel front end on the board, bit-exact, with latency per patch and the real-time factor', () => {
    expect(run.stages.codegen!.status).toBe('ran');
    const d = run.stages.deploy!;
    expect(d.metrics).toEqual(
      expect.objectContaining({
        bitExact: true,
        vectorsChecked: 4,
        patchHopMs: 640,
        frontEndInstructionsPerFrame: expect.any(Number),
        patchLatencyMs: expect.any(Number),
        realTimeFactor: expect.any(Number),
      }),
    );
    // MicroNets §5.2.3: the work of one patch hop must fit in the 640 ms of audio it covers.
    expect(d.metrics.realTimeFactor as number).toBeGreaterThan(0);
    expect(d.metrics.realTimeFactor as number).toBeLessThan(1);
    expect(d.metrics.patchLatencyMs as number).toBeGreaterThan(d.metrics.estimatedLatencyMs as number);
    const board = JSON.parse(fs.readFileSync(new URL(d.artifacts[1]!.uri), 'utf8')) as {
      bitExact: boolean;
      anomalyDetection: { patchHopMs: number; realTimeFactor: number; frontEndInstructionsPerFrame: number };
    };
    expect(board.bitExact).toBe(true);
    expect(board.anomalyDetection.patchHopMs).toBe(640);
    expect(board.anomalyDetection.realTimeFactor).toBeCloseTo(d.metrics.realTimeFactor as number, 3);
    // One 1024-point frame of the fixed-point front end: ~10^5 instructions (the KWS MFCC frame is 137–144 k).
    expect(board.anomalyDetection.frontEndInstructionsPerFrame).toBeGreaterThan(5e4);
    expect(board.anomalyDetection.frontEndInstructionsPerFrame).toBeLessThan(1e6);
  });

  it("evaluate-ad reports the integer model's AUC next to the float model's", () => {
    const e = run.stages.evaluate!;
    expect(e.metrics).toEqual(
      expect.objectContaining({ auc: expect.any(Number), intAuc: expect.any(Number), intPauc: expect.any(Number) }),
    );
  });

  it('the report takes the machine dataset and shows the on-board real-time figure in the anomaly-detection section', () => {
    const html = fs.readFileSync(new URL(run.stages.report!.artifacts[0]!.uri), 'utf8');
    expect(html).toContain('fan/id_00');
    expect(html).toMatch(/real-time factor 0\.\d{3}/);
  });
});
