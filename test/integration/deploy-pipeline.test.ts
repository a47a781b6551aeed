/**
 * The board half of a pipeline end to end, through the real CLI, a real Temporal dev server,
 * real arm-none-eabi-gcc and QEMU: quantize (with 4- and 2-bit layers) → codegen → deploy runs
 * test clips audio → label on the emulated board and checks them bit for bit; a model that does
 * not fit is a clean error naming the sizes; another board re-runs only the board stages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseRunJson, repoRoot, runInHome, successfulRun, type RunJson } from '../helpers/cli';
import { useTemporalHome } from '../helpers/temporal-server';

const pipeline = path.join(repoRoot, 'test/fixtures/pipelines/tiny-kws-board.yaml');
jest.setTimeout(300_000);

describe('tinyops run with quantize → codegen → deploy (QEMU)', () => {
  const t = useTemporalHome('tinyops-deploy-');
  let first: RunJson;

  beforeAll(async () => {
    first = await successfulRun(t, pipeline);
  });

  it('runs the test clips on the board bit-exactly and reports the board metrics', () => {
    const q = first.stages.quantize!;
    expect(q.metrics).toEqual(
      expect.objectContaining({ intAccuracy: expect.any(Number), floatAccuracy: expect.any(Number) }),
    );
    expect(q.metrics.weightBytes as number).toBeLessThan(q.metrics.int8WeightBytes as number); // the 4/2-bit layers are packed
    const c = first.stages.codegen!;
    expect(c.metrics.arenaBytes as number).toBeLessThanOrEqual(
      Math.ceil((c.metrics.arenaLowerBoundBytes as number) * 1.05),
    );
    const d = first.stages.deploy!;
    expect(d.status).toBe('ran');
    expect(d.metrics).toEqual(
      expect.objectContaining({
        bitExact: true,
        vectorsChecked: 8,
        arenaBytes: c.metrics.arenaBytes,
        arenaLowerBoundBytes: c.metrics.arenaLowerBoundBytes,
        macsPerInference: expect.any(Number),
        instructionsPerInference: expect.any(Number),
        estimatedLatencyMs: expect.any(Number),
        frontEndInstructionsPerClip: expect.any(Number),
        // The scored stream, hop by hop through the streaming firmware: device detections = host's.
        streamEventsEqual: true,
        streamEvery: 1,
      }),
    );
    // One MFCC frame per hop costs a 49th of the whole-clip front end (give or take the buffering).
    const perHop = d.metrics.frontEndInstructionsPerHop as number;
    expect(perHop).toBeGreaterThan(((d.metrics.frontEndInstructionsPerClip as number) / 49) * 0.9);
    expect(perHop).toBeLessThan(((d.metrics.frontEndInstructionsPerClip as number) / 49) * 1.1);
    expect(d.metrics.streamInstructionsPerInference as number).toBeGreaterThan(
      d.metrics.instructionsPerInference as number,
    );
    process.stdout.write(
      `streaming check: ${JSON.stringify(Object.fromEntries(['frontEndInstructionsPerHop', 'streamInstructionsPerInference', 'dutyCycle', 'peakHopLoad', 'streamEventsChecked'].map((k) => [k, d.metrics[k]])))}\n`,
    );
    // The barely trained model fires once on the stream (a keyword that stays above θ fires once);
    // the detector on many events is tested in C against TypeScript (stream-detector.test.ts).
    expect(d.metrics.streamEventsChecked as number).toBeGreaterThan(0);
    expect(d.metrics.dutyCycle as number).toBeGreaterThan(0);
    expect(d.metrics.dutyCycle as number).toBeLessThanOrEqual(d.metrics.peakHopLoad as number); // equal at every = 1
    expect(d.metrics.flashBytes as number).toBeGreaterThan(c.metrics.weightBytes as number);
    // The dsp board's requantization tables come from flash (codegen requantTables: flash), and
    // deploy records what its int-model's quantize stage measured (the report compares deploys).
    expect(c.metrics.requantTableFlashBytes as number).toBeGreaterThan(0);
    expect(c.metrics.requantScratchSavedBytes as number).toBeGreaterThanOrEqual(0);
    expect(c.metrics.requantEntriesNotBuiltPerInference as number).toBeGreaterThanOrEqual(
      (c.metrics.requantTableFlashBytes as number) / 12,
    );
    expect(d.metrics).toEqual(
      expect.objectContaining({ intAccuracy: q.metrics.intAccuracy, weightBytes: q.metrics.weightBytes }),
    );
    expect(d.metrics.flashBytes as number).toBeLessThan(512 * 1024);
    expect(d.metrics.sramBytes as number).toBeGreaterThan(d.metrics.arenaBytes as number);
    expect(d.metrics.sramBytes as number).toBeLessThan(128 * 1024);
    // More instructions than MACs, and not absurdly many (per-op counts come from markers).
    expect(d.metrics.instructionsPerInference as number).toBeGreaterThan(d.metrics.macsPerInference as number);
    expect(d.artifacts.map((a) => a.name)).toEqual(['firmware', 'board']);
    const board = JSON.parse(fs.readFileSync(new URL(d.artifacts[1]!.uri), 'utf8')) as {
      ops: Array<{ name: string; bits: number; instructions: number }>;
      input: string;
      stream: {
        streams: Array<{ hops: number; inferences: number; events: Array<{ label: string; timeSec: number }> }>;
      };
    };
    expect(board.input).toBe('audio');
    // 8 s at 20 ms hops; one inference per hop once 49 frames (1 s) are in the ring.
    expect(board.stream.streams).toEqual([expect.objectContaining({ hops: 400, inferences: 400 - 50 + 1 })]);
    expect(board.ops.find((o) => o.name === 'block1_pw')?.bits).toBe(2);
    expect(board.ops.every((o) => o.instructions > 0)).toBe(true);
    const html = fs.readFileSync(new URL(first.stages.report!.artifacts[0]!.uri), 'utf8');
    expect(html).toContain('instructions / MAC');
    expect(html).toContain('Streaming check');
    expect(html).toContain('stm32f446re');
  });

  it('a model that does not fit the board fails with the sizes, no stack trace, nothing cached', async () => {
    const r = await runInHome(t, pipeline, '--set', 'stages.deploy.with.stackBytes=200000');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/model needs \d+ KB SRAM.*, stm32f446re has 128 KB/);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
    const j = parseRunJson(r.stdout);
    expect(j.stages.quantize?.status).toBe('cached');
    expect(j.stages.deploy?.status).toBe('failed');
  });

  it('another board re-runs only codegen, deploy and report, on the Cortex-M7 machine', async () => {
    const r = await runInHome(t, pipeline, '--set', 'board=stm32f746zg');
    if (r.code !== 0) throw new Error(r.stderr);
    const j = parseRunJson(r.stdout);
    expect(Object.fromEntries(Object.entries(j.stages).map(([k, s]) => [k, s.status]))).toEqual({
      data: 'cached',
      features: 'cached',
      train: 'cached',
      quantize: 'cached',
      codegen: 'ran',
      deploy: 'ran',
      report: 'ran',
    });
    expect(j.stages.deploy?.metrics.bitExact).toBe(true);
    const board = JSON.parse(fs.readFileSync(new URL(j.stages.deploy!.artifacts[1]!.uri), 'utf8')) as {
      board: string;
      qemuMachine: string;
      core: string;
    };
    expect(board).toEqual(
      expect.objectContaining({ board: 'stm32f746zg', qemuMachine: 'mps2-an500', core: 'cortex-m7' }),
    );
  });
});
