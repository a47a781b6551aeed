import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolMissingError } from '../../../src/errors';
import { espeakVersion, isVoiceAvailable, listEspeakVoices, renderToFile, renderWord } from '../../../src/synth/espeak';

describe('espeak-ng', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'espeak-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports its version', async () => {
    expect(await espeakVersion()).toMatch(/^\d+\.\d+/);
  });

  it('renders byte-identical WAVs for identical arguments (the basis of dataset reproducibility)', async () => {
    const req = { text: 'left', voice: 'en-gb-scotland+m3', pitch: 37, speed: 161 };
    await renderToFile(req, join(dir, 'a.wav'));
    await renderToFile(req, join(dir, 'b.wav'));
    const a = readFileSync(join(dir, 'a.wav'));
    expect(a.length).toBeGreaterThan(1000);
    expect(a.equals(readFileSync(join(dir, 'b.wav')))).toBe(true);
    await renderToFile({ ...req, pitch: 38 }, join(dir, 'c.wav'));
    expect(a.equals(readFileSync(join(dir, 'c.wav')))).toBe(false);
  });

  it('renders 22050 Hz mono speech', async () => {
    const w = await renderWord({ text: 'yes', voice: 'en-us+f3', pitch: 50, speed: 175 });
    expect(w).toMatchObject({ sampleRate: 22050, channels: 1, bitsPerSample: 16 });
    expect(w.samples.length).toBeGreaterThan(22050 * 0.2);
  });

  it('lists installed voices without MBROLA ones, and checks language+variant', async () => {
    const v = await listEspeakVoices();
    expect(v.languages).toEqual(expect.arrayContaining(['en-us', 'en-gb', 'en-gb-scotland']));
    expect(v.variants).toEqual(expect.arrayContaining(['m1', 'm7', 'f1', 'f4']));
    expect(isVoiceAvailable('en-us', v)).toBe(true);
    expect(isVoiceAvailable('en-us+f3', v)).toBe(true);
    expect(isVoiceAvailable('en-us+nosuchvariant', v)).toBe(false);
    expect(isVoiceAvailable('xx-nowhere', v)).toBe(false);
    expect(isVoiceAvailable('en-us+f3+m1', v)).toBe(false);
  });

  it('throws ToolMissingError with the setup hint when espeak-ng is not on PATH', async () => {
    const saved = process.env.PATH;
    process.env.PATH = dir; // a directory without espeak-ng
    try {
      await expect(
        renderToFile({ text: 'go', voice: 'en-us', pitch: 50, speed: 175 }, join(dir, 'x.wav')),
      ).rejects.toThrow(new ToolMissingError('espeak-ng', 'run: bash scripts/setup.sh'));
    } finally {
      process.env.PATH = saved;
    }
  });
});
