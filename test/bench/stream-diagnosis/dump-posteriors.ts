import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { floatToInt16, readWav } from '../../../src/audio/wav';
import { computeMfcc, prepareMfcc } from '../../../src/dsp/mfcc';
import { mfccConfigSchema, mfccParams, type MfccConfig } from '../../../src/dsp/mfcc-config';
import { mfccQ15ToFloat } from '../../../src/dsp/mfcc-q15';
import { makeFixedMfcc } from '../../../src/dsp/fixed-mfcc';
import { readFeatureTensor } from '../../../src/dsp/feature-tensor';
import { loadModelArtifacts, predict, readModelDir } from '../../../src/nn';
import { openStore } from '../../../src/store/open-store';
import { windowStarts } from '../../../src/eval/inference-stride';

/**
 * The first half of the stream FRR diagnosis (docs/results/2026-12-04-stream-frr-diagnosis.md):
 * unpacks one stored run's scored and tuning streams, its float model and labels, and writes the
 * model's posterior at every frame stride of every stream — the same windows and front end as
 * activities/evaluate.ts — so that diagnose.py can replay the detector and the event matching
 * offline at any setting.
 *
 *   node dist/test/bench/stream-diagnosis/dump-posteriors.js <run-id> <out-dir> [store-dir] [every]
 *
 * `every` = k (default 1): one window every k hops, 0, k, 2k, … as evaluate's `inferenceEvery`
 * (src/eval/inference-stride.ts windowStarts), so posterior i covers hops k·i … k·i + 48.
 *
 * Writes <out-dir>/{streams,tuning}/ (the WAVs and index.json), <out-dir>/model/ and
 * <out-dir>/post/{streams,tuning}/<file>.f32 (float32, frames × labels, row-major). A posterior
 * file that exists is kept, so an interrupted dump resumes.
 */

const runSchema = z.object({
  stages: z.record(
    z.string(),
    z.object({ artifacts: z.array(z.object({ name: z.string(), sha256: z.string() })).optional() }),
  ),
});
const indexSchema = z.array(z.object({ file: z.string() }));

function streamFeatures(config: MfccConfig, samples: Float32Array): Float32Array {
  const params = mfccParams(config);
  const pcm = Int16Array.from(samples, (v) => floatToInt16(v));
  return config.implementation === 'fixed'
    ? mfccQ15ToFloat(makeFixedMfcc(params).compute(pcm))
    : Float32Array.from(
        computeMfcc(
          prepareMfcc(params),
          Float64Array.from(pcm, (v) => v / 32768),
        ),
      );
}

async function main(): Promise<void> {
  const [runId, outDir, storeDir = path.join(process.cwd(), '.tinyops', 'store'), everyArg = '1'] =
    process.argv.slice(2);
  const every = Number(everyArg);
  if (!Number.isInteger(every) || every < 1) throw new Error(`every must be a whole number ≥ 1, got ${everyArg}`);
  if (runId === undefined || outDir === undefined)
    throw new Error('usage: dump-posteriors.js <run-id> <out-dir> [store-dir]');
  const store = openStore(storeDir, process.cwd());
  const run = runSchema.parse(await store.getDoc(`runs/${runId}.json`));
  const sha = (name: string): string => {
    for (const s of Object.values(run.stages)) {
      const a = s.artifacts?.find((x) => x.name === name);
      if (a !== undefined) return a.sha256;
    }
    throw new Error(`run ${runId} has no ${name} artifact`);
  };
  const unpack = async (name: string, dir: string): Promise<string> => {
    const dest = path.join(outDir, dir);
    if (!fs.existsSync(dest)) {
      fs.mkdirSync(dest, { recursive: true });
      const tar = path.join(outDir, `${dir}.tar`);
      await store.getToFile(sha(name), tar);
      execFileSync('tar', ['-xf', tar, '-C', dest]);
      fs.rmSync(tar);
    }
    return dest;
  };
  fs.mkdirSync(outDir, { recursive: true });
  const testFile = path.join(outDir, 'test.feat');
  if (!fs.existsSync(testFile)) await store.getToFile(sha('test'), testFile);
  const frontEnd = mfccConfigSchema.parse(readFeatureTensor(testFile).header.frontEnd);
  const params = mfccParams(frontEnd);
  const model = await loadModelArtifacts(readModelDir(await unpack('model', 'model')));
  try {
    for (const [artifact, dir] of [
      ['streams', 'streams'],
      ['tuning-streams', 'tuning'],
    ] as const) {
      const streamsDir = await unpack(artifact, dir);
      const postDir = path.join(outDir, 'post', dir);
      fs.mkdirSync(postDir, { recursive: true });
      for (const s of indexSchema.parse(JSON.parse(fs.readFileSync(path.join(streamsDir, 'index.json'), 'utf8')))) {
        const out = path.join(postDir, `${s.file}.f32`);
        if (fs.existsSync(out)) continue;
        const frames = streamFeatures(frontEnd, readWav(path.join(streamsDir, s.file)).samples);
        const size = params.frames * params.coefficients;
        const starts = windowStarts(frames.length / params.coefficients, params.frames, every);
        const x = new Float32Array(starts.length * size);
        starts.forEach((w, i) =>
          x.set(frames.subarray(w * params.coefficients, w * params.coefficients + size), i * size),
        );
        const post = await predict(model, x, [params.frames, params.coefficients], 512);
        fs.writeFileSync(out, Buffer.from(post.buffer, post.byteOffset, post.byteLength));
        process.stderr.write(`[dump-posteriors] ${dir}/${s.file}\n`);
      }
    }
  } finally {
    model.dispose();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
