import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { synthKwsConfigSchema } from '../../../src/synth/kws-config';
import { planClips, type ClipPlan, type Split } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';
import { resolveVoices } from '../../../src/synth/voice-sources';

/**
 * How many validation/test clips of one synth-kws config are training clips of another. Clip i
 * of a label draws from the same generators in both, so when perKeyword changes (and with it the
 * split shuffle) a clip can be validation in one config and train in the other with the same
 * bytes; cross-scoring two such runs' models on validation then measures memory, not
 * generalisation. Plans replayed, nothing synthesised.
 *
 *   node dist/test/bench/kws-volume/split-overlap.js <a.yaml> <b.yaml>
 */

const fileSchema = z.object({
  seed: z.number(),
  stages: z.record(z.string(), z.object({ kind: z.string(), with: z.unknown().optional() })),
});

async function plans(file: string): Promise<ClipPlan[]> {
  const spec = fileSchema.parse(parseYaml(fs.readFileSync(file, 'utf8')));
  const stage = Object.entries(spec.stages).find(([, s]) => s.kind === 'synth-kws');
  if (!stage) throw new Error(`${file} has no synth-kws stage`);
  const config = synthKwsConfigSchema.parse(stage[1].with ?? {});
  return planClips(config, rngForSeed(spec.seed, stage[0]), await resolveVoices(config));
}

/** What makes a clip's bytes: label, index (its generators), request and mix draws. */
function clipKey(p: ClipPlan): string {
  const speech = p.kind === 'speech' ? [p.request, p.snrDb, p.shiftMs, p.streamStyle ?? null] : [];
  return JSON.stringify([p.label, p.index, p.levelDbfs, p.background, ...speech]);
}

async function main(): Promise<void> {
  const [a, b] = process.argv.slice(2);
  if (a === undefined || b === undefined) throw new Error('usage: split-overlap.js <a.yaml> <b.yaml>');
  const pa = await plans(a);
  const pb = await plans(b);
  const train = (ps: readonly ClipPlan[]) => new Set(ps.filter((p) => p.split === 'train').map(clipKey));
  const [ta, tb] = [train(pa), train(pb)];
  const count = (ps: readonly ClipPlan[], split: Split, other: Set<string>) => {
    const s = ps.filter((p) => p.split === split);
    return { inOthersTrain: s.filter((p) => other.has(clipKey(p))).length, of: s.length };
  };
  const out = {
    [`${a} validation`]: count(pa, 'validation', tb),
    [`${a} test`]: count(pa, 'test', tb),
    [`${b} validation`]: count(pb, 'validation', ta),
    [`${b} test`]: count(pb, 'test', ta),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
