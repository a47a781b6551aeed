import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeWav16 } from '../audio/wav';
import { SILENCE_LABEL, SPLITS, type Split } from '../synth/kws-plan';
import { DATASET_MANIFEST, TESTING_LIST, VALIDATION_LIST, type SpeechDatasetManifestBase } from '../synth/kws-dataset';
import type { RngFor } from '../synth/rng-for';
import { NO_BACKGROUND } from '../eval/clip-sources';
import { RECORDED_ENGINE, SILENCE_ENGINE, SourcesBuilder, type ClipConditions, type EngineInfo } from './clip-sources';
import { composeSilenceClip, composeSpeechClip } from './compose-clip';
import type { ComposeKwsConfig } from './compose-config';
import { byCodeUnit, composeInputError } from './compose-error';
import type { ComposeSetup } from './compose-setup';
import { snapSpeed } from './speed';
import { pickTtsClips } from './tts-dataset';
import { wordAudio, type Word } from './words';

/**
 * The compose-kws `dataset` directory, in synth-kws' layout (src/synth/kws-dataset.ts) so
 * features/train/evaluate read it unchanged:
 *
 *   <label>/recorded-<speaker>_nohash_<n>.wav    composed from one recording of <speaker>
 *   _silence_/background-<file>_nohash_<n>.wav   a recorded background alone
 *   <label>/<tts file>.wav                       copied from the TTS dataset (mix.tts)
 *   validation_list.txt testing_list.txt dataset.json sources.json
 *
 * Split rule: class c gets splitCounts(N_c) clips per split; a split's composed clips use
 * only that split's recordings (the recordings dataset's lists) and backgrounds
 * (background-pool.ts), and its copied clips come from the same split of the TTS dataset —
 * so no recording, and no stretch of background, is in both a training and a test clip.
 * Within a (class, split), recordings are used in a seeded shuffled round robin, so every
 * recording is used about equally often. Clip i of a class draws everything from
 * rngFor('clip', class, i), so its bytes do not depend on any other clip.
 */

/** Bump when the same inputs and config would produce different bytes (the stage version). */
/** 2: sources.json records each clip's acoustic conditions (evaluate's accuracy by condition). */
export const COMPOSE_KWS_VERSION = 2;

/** dataset.json of a composed dataset: voices are the speakers of the recordings. */
export interface ComposeDatasetManifest extends SpeechDatasetManifestBase {
  readonly generator: 'compose-kws';
  readonly mix: { readonly tts: number };
}

export interface ComposedDatasetSummary {
  readonly labels: readonly string[];
  readonly clips: number;
  readonly trainClips: number;
  readonly validationClips: number;
  readonly testClips: number;
  readonly composedClips: number;
  readonly ttsClips: number;
  /** Distinct recordings that went into at least one clip. */
  readonly recordingsUsed: number;
  readonly speakers: Readonly<Record<Split, number>>;
  readonly counts: Readonly<Record<Split, Readonly<Record<string, number>>>>;
  readonly byEngine: Readonly<Record<string, number>>;
}

/** A speaker id as a file-name-safe tag (`<tag>_nohash_<n>` must keep its meaning). */
export function speakerTag(speaker: string): string {
  return speaker.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'anon';
}

function clipName(prefix: string, index: number, count: number): string {
  const width = Math.max(4, String(Math.max(0, count - 1)).length);
  return `${prefix}_nohash_${String(index).padStart(width, '0')}.wav`;
}

export function recordedEngineInfo(setup: ComposeSetup): EngineInfo {
  return {
    version: `recordings of ${setup.recordings.display}`,
    licence: 'user-provided',
    family: RECORDED_ENGINE,
    role: 'train',
  };
}
const SILENCE_INFO: EngineInfo = { version: '', licence: 'none', family: SILENCE_ENGINE, role: 'train' };

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * The conditions of a clip composed from a recording (sources.json; src/eval/clip-sources.ts):
 * the planned SNR over a recorded background (the same as the effective SNR: no simulated room),
 * or none when the clip has no added background — the recording's own noise floor is not known,
 * so such a clip has no SNR and evaluate counts it in the `unknown` band. `speed` is listed as an
 * augmentation when the word was resampled.
 */
function recordedConditions(
  mix: { readonly snrDb: number; readonly background: string } | undefined,
  levelDbfs: number,
  speed: number,
): ClipConditions {
  const base = { quiet: false, levelDbfs: round2(levelDbfs), augment: speed !== 1 ? ['speed'] : [] };
  if (mix === undefined) return { ...base, background: NO_BACKGROUND };
  const stem = mix.background.slice(mix.background.lastIndexOf('/') + 1).replace(/\.wav$/i, '');
  return { snrDb: round2(mix.snrDb), effectiveSnrDb: round2(mix.snrDb), ...base, background: `recorded:${stem}` };
}

interface Output {
  readonly out: string;
  readonly split: Split;
  readonly write: () => Promise<void>;
}

export async function composeDataset(
  config: ComposeKwsConfig,
  setup: ComposeSetup,
  outDir: string,
  rngFor: RngFor,
  onProgress?: (done: number, total: number) => void,
): Promise<ComposedDatasetSummary> {
  const sr = setup.sampleRate;
  const clipSamples = Math.round((config.clipMs / 1000) * sr);
  const sources = new SourcesBuilder();
  const recorded = recordedEngineInfo(setup);
  const outputs: Output[] = [];
  const used = new Set<string>();
  const speakers: Record<Split, Set<string>> = { train: new Set(), validation: new Set(), test: new Set() };

  for (const label of setup.labels) {
    const c = setup.counts.get(label)!;
    const count = SPLITS.reduce((a, s) => a + c.total[s], 0);
    let index = 0;
    for (const split of SPLITS) {
      // Copied TTS clips first (their names are their own), then the composed ones.
      if (c.tts[split] > 0) {
        for (const path of pickTtsClips(setup.tts!, label, split, c.tts[split], rngFor('tts', label, split))) {
          const out = `${label}/${path.slice(path.indexOf('/') + 1)}`;
          const { source, engine } = setup.tts!.sourceOf(path);
          sources.add(out, source, engine);
          outputs.push({ out, split, write: () => copyFile(join(setup.tts!.dir, path), join(outDir, out)) });
        }
      }
      const composed = c.total[split] - c.tts[split];
      const words = label === SILENCE_LABEL ? [] : setup.words.get(label)!.filter((w) => w.split === split);
      const order: Word[] = rngFor('sources', label, split).shuffle([...words]);
      for (let k = 0; k < composed; k++, index++) {
        const i = index;
        const rng = rngFor('clip', label, i);
        if (label === SILENCE_LABEL) {
          const levelDbfs =
            rng.uniform(config.levelDbfs[0], config.levelDbfs[1]) -
            rng.uniform(config.backgrounds.snrDb[0], config.backgrounds.snrDb[1]);
          const bg = setup.backgrounds.choose(split, rngFor('clip', label, i, 'background'));
          const stem = bg.file.slice(bg.file.lastIndexOf('/') + 1).replace(/\.wav$/i, '');
          const out = `${label}/${clipName(`background-${speakerTag(stem)}`, i, count)}`;
          sources.add(
            out,
            {
              engine: SILENCE_ENGINE,
              voice: stem,
              heldOut: false,
              conditions: { quiet: false, background: `recorded:${stem}`, levelDbfs: round2(levelDbfs), augment: [] },
            },
            SILENCE_INFO,
          );
          const samples = (): Float32Array => composeSilenceClip(setup.backgrounds.render(bg, clipSamples), levelDbfs);
          outputs.push({ out, split, write: () => writeFile(join(outDir, out), encodeWav16(samples(), sr)) });
          continue;
        }
        const word = order[k % order.length]!;
        used.add(word.path);
        speakers[split].add(word.speaker);
        const speed = snapSpeed(rng.uniform(config.speed[0], config.speed[1]));
        const levelDbfs = rng.uniform(config.levelDbfs[0], config.levelDbfs[1]);
        const shiftMs = rng.uniform(-config.timeShiftMs, config.timeShiftMs);
        const withBackground = rng.next() < config.backgrounds.probability;
        const snrDb = rng.uniform(config.backgrounds.snrDb[0], config.backgrounds.snrDb[1]);
        // Chosen once, here: its file goes in the clip's conditions, its samples into the clip.
        const bg = withBackground ? setup.backgrounds.choose(split, rngFor('clip', label, i, 'background')) : undefined;
        const out = `${label}/${clipName(`recorded-${speakerTag(word.speaker)}`, i, count)}`;
        sources.add(
          out,
          {
            engine: RECORDED_ENGINE,
            voice: word.speaker,
            heldOut: setup.trainSpeakers.has(word.speaker) ? false : 'voice',
            conditions: recordedConditions(
              bg === undefined ? undefined : { snrDb, background: bg.file },
              levelDbfs,
              speed,
            ),
          },
          recorded,
        );
        outputs.push({
          out,
          split,
          write: async () => {
            const audio = await wordAudio(word, setup.reader, sr, speed);
            const clip = composeSpeechClip(
              audio,
              { levelDbfs, shiftMs, snrDb: bg === undefined ? undefined : snrDb },
              bg === undefined ? undefined : setup.backgrounds.render(bg, clipSamples),
              clipSamples,
              sr,
            );
            await writeFile(join(outDir, out), encodeWav16(clip, sr));
          },
        });
      }
    }
  }
  outputs.sort((a, b) => byCodeUnit(a.out, b.out));
  for (let i = 1; i < outputs.length; i++) {
    if (outputs[i]!.out === outputs[i - 1]!.out) {
      throw composeInputError(
        `two clips would be written as "${outputs[i]!.out}" (a TTS clip's name clashes with a composed one); rename the TTS voice or speaker`,
      );
    }
  }

  await rm(outDir, { recursive: true, force: true });
  for (const label of setup.labels) await mkdir(join(outDir, label), { recursive: true });
  onProgress?.(0, outputs.length);
  for (let i = 0; i < outputs.length; i++) {
    await outputs[i]!.write();
    onProgress?.(i + 1, outputs.length);
  }
  const listOf = (split: Split): string =>
    outputs
      .filter((o) => o.split === split)
      .map((o) => `${o.out}\n`)
      .join('');
  await writeFile(join(outDir, VALIDATION_LIST), listOf('validation'));
  await writeFile(join(outDir, TESTING_LIST), listOf('test'));
  await sources.write(outDir);

  const counts = {} as Record<Split, Record<string, number>>;
  for (const s of SPLITS) counts[s] = Object.fromEntries(setup.labels.map((l) => [l, setup.counts.get(l)!.total[s]]));
  const trainVoices = [...setup.trainSpeakers].sort(byCodeUnit);
  const heldOutVoices = [...new Set([...speakers.validation, ...speakers.test])]
    .filter((v) => !setup.trainSpeakers.has(v))
    .sort(byCodeUnit);
  const manifest: ComposeDatasetManifest = {
    generator: 'compose-kws',
    version: COMPOSE_KWS_VERSION,
    tools: {},
    labels: setup.labels,
    sampleRate: sr,
    clipMs: config.clipMs,
    counts,
    voices: trainVoices,
    testVoices: heldOutVoices,
    mix: { tts: config.mix.tts },
  };
  await writeFile(join(outDir, DATASET_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');

  const total = (s: Split): number => outputs.filter((o) => o.split === s).length;
  const ttsClips = setup.labels.reduce((a, l) => a + SPLITS.reduce((b, s) => b + setup.counts.get(l)!.tts[s], 0), 0);
  return {
    labels: setup.labels,
    clips: outputs.length,
    trainClips: total('train'),
    validationClips: total('validation'),
    testClips: total('test'),
    composedClips: outputs.length - ttsClips,
    ttsClips,
    recordingsUsed: used.size,
    speakers: { train: speakers.train.size, validation: speakers.validation.size, test: speakers.test.size },
    counts,
    byEngine: sources.countByEngine(),
  };
}
