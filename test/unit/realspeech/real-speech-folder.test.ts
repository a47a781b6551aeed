import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { activeExtent } from '../../../src/audio/activity';
import { encodeWav16, readWav } from '../../../src/audio/wav';
import { listKwsDataset } from '../../../src/dsp/dataset-listing';
import { readClipSources } from '../../../src/eval/clip-sources';
import { importAudioConfigSchema } from '../../../src/importer/import-config';
import { importSpeechCommandsFolder } from '../../../src/importer/speech-commands-folder';
import { dirDigest } from '../synth/dir-digest';
import { buildRealSpeechFolder, centreInWindow, muLawToFloat } from '../../../src/realspeech/real-speech-folder';

/**
 * The real-speech converter on package trees laid out like the real ones (the files' formats
 * are the packages': 8 kHz PCM16 WAV, headerless 8 kHz μ-law, raw 16 kHz s16le), with tone
 * bursts standing in for the recordings.
 */

/** A 0.3 s tone burst at `at` s inside `len` s of silence. */
function burst(rate: number, len: number, at: number, hz = 440): Float32Array {
  const x = new Float32Array(Math.round(rate * len));
  for (let i = Math.round(at * rate); i < Math.round((at + 0.3) * rate); i++)
    x[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / rate);
  return x;
}

/** Inverse of G.711 μ-law decoding, enough for a test signal: the code whose decoded value is nearest. */
const DECODED = Array.from({ length: 256 }, (_, b) => muLawToFloat(b));
function muLawEncode(x: number): number {
  let best = 0;
  for (let b = 1; b < 256; b++) if (Math.abs(DECODED[b]! - x) < Math.abs(DECODED[best]! - x)) best = b;
  return best;
}

describe('real-speech folder', () => {
  let root: string;
  beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'tinyops-realspeech-'))));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('decodes G.711 μ-law: 0xFF and 0x7F are silence, 0x80 / 0x00 the extremes', () => {
    expect(muLawToFloat(0xff)).toBe(0);
    expect(muLawToFloat(0x7f)).toBe(0);
    expect(muLawToFloat(0x80)).toBe(32124 / 32768);
    expect(muLawToFloat(0x00)).toBe(-32124 / 32768);
    // Monotonic within each sign half: a larger magnitude code never decodes smaller.
    for (let b = 0x81; b <= 0xff; b++) expect(muLawToFloat(b)).toBeLessThanOrEqual(muLawToFloat(b - 1));
  });

  it('centres the active part in the window', () => {
    const x = burst(16000, 1.5, 0.1);
    const y = centreInWindow(x, 16000);
    const e = activeExtent(y)!;
    expect(y.length).toBe(16000);
    expect(Math.abs((e.start + e.end) / 2 - 8000)).toBeLessThanOrEqual(2);
  });

  it('builds a Speech Commands folder with sources.json from the three package layouts, which import-audio reads', async () => {
    const pkg = join(root, 'pkg');
    const ast = join(pkg, 'asterisk-core-sounds-en-wav', 'usr/share/asterisk/sounds/en_US_f_Allison/digits');
    mkdirSync(ast, { recursive: true });
    for (let d = 0; d < 10; d++)
      writeFileSync(join(ast, `${d}.wav`), encodeWav16(burst(8000, 0.8, 0.05, 300 + 40 * d), 8000));
    writeFileSync(join(pkg, 'asterisk-core-sounds-en-wav', 'VERSION'), '1.6.1-1\n');
    const say = join(pkg, 'saytime', 'usr/share/saytime');
    mkdirSync(say, { recursive: true });
    for (let d = 0; d < 10; d++)
      writeFileSync(join(say, `${d}.au`), Buffer.from(Array.from(burst(8000, 0.6, 0.2), muLawEncode)));
    const tfm = join(pkg, 'tfmicro');
    mkdirSync(tfm, { recursive: true });
    for (const w of ['yes', 'no']) {
      const x = burst(16000, 1, 0.6);
      const b = Buffer.alloc(2 * x.length);
      x.forEach((v, i) => b.writeInt16LE(Math.round(v * 32767), 2 * i));
      writeFileSync(join(tfm, `${w}_1000ms_sample.data`), b);
    }

    const out = join(root, 'out');
    const built = buildRealSpeechFolder(pkg, out);
    expect([built.clips, built.speakers, built.missing]).toEqual([22, ['allison', 'dawson', 'sc-no', 'sc-yes'], []]);
    expect(built.perLabel).toEqual({
      zero: 2,
      one: 2,
      two: 2,
      three: 2,
      four: 2,
      five: 2,
      six: 2,
      seven: 2,
      eight: 2,
      nine: 2,
      yes: 1,
      no: 1,
    });
    for (const rel of ['seven/allison_nohash_0.wav', 'seven/dawson_nohash_0.wav', 'yes/sc-yes_nohash_0.wav']) {
      const w = readWav(join(out, rel));
      expect([w.sampleRate, w.samples.length]).toEqual([16000, 16000]);
      const e = activeExtent(w.samples)!;
      expect(Math.abs((e.start + e.end) / 2 - 8000)).toBeLessThan(200); // centred (resampling filter tails aside)
    }
    const sources = readClipSources(out);
    expect(sources.engines['asterisk-allison']).toEqual({
      version: 'asterisk-core-sounds-en-wav 1.6.1-1 (Debian)',
      licence: 'CC-BY-SA-3.0',
      family: 'human',
      role: 'held-out',
    });
    expect(sources.engines['saytime-dawson']!.version).toBe('saytime unknown (Debian)'); // no VERSION file
    expect(sources.sourceOf('no/sc-no_nohash_0.wav')).toEqual({
      engine: 'speech-commands-tfmicro',
      voice: 'sc-no',
      heldOut: 'engine',
    });
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain(
      '`asterisk-core-sounds-en-wav` 1.6.1-1, CC-BY-SA-3.0',
    );

    // Built again from the same packages: the same bytes.
    const again = join(root, 'again');
    buildRealSpeechFolder(pkg, again);
    expect(dirDigest(again)).toEqual(dirDigest(out));

    // import-audio takes it as it is, sources.json included.
    const imported = join(root, 'imported');
    await importSpeechCommandsFolder(importAudioConfigSchema.parse({ path: out }), imported);
    const listing = listKwsDataset(imported);
    expect(listing.splits.train.length + listing.splits.validation.length + listing.splits.test.length).toBe(22);
    expect(readClipSources(imported).sourceOf('zero/dawson_nohash_0.wav').engine).toBe('saytime-dawson');
  });

  it('says which packages to fetch when none is there', () => {
    expect(() => buildRealSpeechFolder(join(root, 'nothing'), join(root, 'o2'))).toThrow(
      /no real-speech package under .*run bash scripts\/setup\.sh/,
    );
  });
});
