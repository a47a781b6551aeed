import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav16, readWav } from '../../../src/audio/wav';
import { listKwsDataset } from '../../../src/dsp/dataset-listing';
import { StageInputError } from '../../../src/errors';
import { hashSplit } from '../../../src/importer/hash-split';
import { importAudioConfigSchema, type ImportAudioConfigInput } from '../../../src/importer/import-config';
import { importSpeechCommandsFolder } from '../../../src/importer/speech-commands-folder';
import { dirDigest } from '../synth/dir-digest';
import { clip16k, encodeRawWav, tone, writeTree } from '../../helpers/wav-fixtures';

/** A valid 3-keyword folder with list files, a noise folder and a few non-WAV files. */
function validTree(): Record<string, Buffer | string> {
  return {
    'yes/a_nohash_0.wav': clip16k(1),
    'yes/b_nohash_0.wav': clip16k(2),
    'yes/c_nohash_0.wav': clip16k(3),
    'yes/notes.txt': 'not a clip',
    'yes/._a_nohash_0.wav': 'macOS AppleDouble, not audio',
    'no/a_nohash_1.wav': clip16k(4),
    'no/d_nohash_0.wav': clip16k(5),
    'up/e_nohash_0.wav': clip16k(6),
    'up/f_nohash_0.wav': clip16k(7),
    '_background_noise_/README.md': 'noise',
    'README.md': 'readme',
    'validation_list.txt': 'no/d_nohash_0.wav\nup/e_nohash_0.wav\n',
    'testing_list.txt': 'yes/c_nohash_0.wav\r\n\r\n',
  };
}

describe('importSpeechCommandsFolder', () => {
  let root: string;
  let n = 0;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'import-audio-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A fresh source folder with `files`, and a fresh output dir. */
  function folder(files: Readonly<Record<string, Buffer | string>>): { src: string; out: string } {
    const dir = join(root, `case${n++}`);
    writeTree(join(dir, 'src'), files);
    return { src: join(dir, 'src'), out: join(dir, 'out') };
  }
  const config = (input: ImportAudioConfigInput) => importAudioConfigSchema.parse(input);
  const importError = (cfg: ImportAudioConfigInput, out: string, cwd?: string) =>
    importSpeechCommandsFolder(config(cfg), out, { cwd }).then(
      () => 'no error',
      (e: unknown) => {
        expect(e).toBeInstanceOf(StageInputError);
        return (e as Error).message;
      },
    );

  it("carries the folder's sources.json, keys renamed to the imported paths, unused engines dropped", async () => {
    const src = { engine: 'people', voice: 'a', heldOut: 'engine' };
    const sources = {
      format: 1,
      engines: {
        people: { version: '1', licence: 'CC0', family: 'human', role: 'held-out' },
        other: { version: '2', licence: 'x', family: 'y', role: 'train' },
      },
      clips: { 'yes/a_nohash_0.wav': src, 'up/e_nohash_0.wav': { ...src, voice: 'e' }, 'gone/x.wav': src },
    };
    const { src: dir, out } = folder({ ...validTree(), 'sources.json': JSON.stringify(sources) });
    await importSpeechCommandsFolder(config({ path: dir, keywords: ['yes', 'no'] }), out);
    expect(JSON.parse(readFileSync(join(out, 'sources.json'), 'utf8'))).toEqual({
      format: 1,
      engines: { people: sources.engines.people },
      clips: { '_unknown_/up_e_nohash_0.wav': { ...src, voice: 'e' }, 'yes/a_nohash_0.wav': src },
    });
    const bad = folder({
      ...validTree(),
      'sources.json': JSON.stringify({ ...sources, clips: { 'yes/a_nohash_0.wav': { ...src, engine: 'nobody' } } }),
    });
    expect(await importError({ path: bad.src }, bad.out)).toMatch(
      /sources\.json: clip "yes\/a_nohash_0\.wav" names engine "nobody", which is not in "engines"/,
    );
  });

  it('imports a valid folder: layout, labels, sorted lists, dataset.json, identical bytes twice', async () => {
    const { src, out } = folder(validTree());
    const progress: Array<[number, number]> = [];
    const summary = await importSpeechCommandsFolder(config({ path: src }), out, {
      onProgress: (d, t) => progress.push([d, t]),
    });

    expect(Object.keys(dirDigest(out))).toEqual([
      'dataset.json',
      'no/a_nohash_1.wav',
      'no/d_nohash_0.wav',
      'testing_list.txt',
      'up/e_nohash_0.wav',
      'up/f_nohash_0.wav',
      'validation_list.txt',
      'yes/a_nohash_0.wav',
      'yes/b_nohash_0.wav',
      'yes/c_nohash_0.wav',
    ]);
    // 16 kHz PCM16 mono 1 s sources pass through bit for bit.
    expect(readFileSync(join(out, 'yes/a_nohash_0.wav'))).toEqual(clip16k(1));
    expect(readFileSync(join(out, 'validation_list.txt'), 'utf8')).toBe('no/d_nohash_0.wav\nup/e_nohash_0.wav\n');
    expect(readFileSync(join(out, 'testing_list.txt'), 'utf8')).toBe('yes/c_nohash_0.wav\n');
    expect(JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8'))).toEqual({
      generator: 'import-audio',
      version: 2,
      tools: {},
      labels: ['_silence_', '_unknown_', 'no', 'up', 'yes'],
      sampleRate: 16000,
      clipMs: 1000,
      counts: {
        train: { _silence_: 0, _unknown_: 0, no: 1, up: 1, yes: 2 },
        validation: { _silence_: 0, _unknown_: 0, no: 1, up: 1, yes: 0 },
        test: { _silence_: 0, _unknown_: 0, no: 0, up: 0, yes: 1 },
      },
      voices: [],
      testVoices: [],
    });
    expect(summary).toMatchObject({
      clips: 7,
      trainClips: 4,
      validationClips: 2,
      testClips: 1,
      splitSource: 'lists',
      converted: 0,
      trimmed: 0,
      padded: 0,
      ignoredFiles: 4, // README.md, _background_noise_/README.md, yes/._a_nohash_0.wav, yes/notes.txt
      unknownFolders: [],
    });
    expect(progress[0]).toEqual([0, 7]);
    expect(progress[progress.length - 1]).toEqual([7, 7]);

    const again = join(root, 'again');
    await importSpeechCommandsFolder(config({ path: src }), again);
    expect(dirDigest(again)).toEqual(dirDigest(out));
  });

  it('is read by the features stage listing like a synth-kws dataset', async () => {
    const { src, out } = folder(validTree());
    await importSpeechCommandsFolder(config({ path: src, keywords: ['yes', 'no'] }), out);
    const listing = listKwsDataset(out);
    expect(listing.labels).toEqual(['_silence_', '_unknown_', 'yes', 'no']);
    expect(listing.missingListed).toEqual([]);
    expect(listing.splits.validation).toEqual([
      { path: '_unknown_/up_e_nohash_0.wav', label: 1 },
      { path: 'no/d_nohash_0.wav', label: 3 },
    ]);
    expect(listing.splits.test).toEqual([{ path: 'yes/c_nohash_0.wav', label: 2 }]);
    expect(listing.splits.train.length).toBe(4);
  });

  it('converts 44.1 kHz stereo 24-bit to 16 kHz mono of the right length, and pads short float clips', async () => {
    const left = tone(1, 44100, 440, 0.5);
    const right = tone(1, 44100, 440, 0.3);
    const { src, out } = folder({
      'yes/stereo.wav': encodeRawWav({ sampleRate: 44100, channels: [left, right], bits: 24 }),
      'yes/short.wav': encodeRawWav({
        sampleRate: 48000,
        channels: [tone(0.5, 48000, 440, 0.4)],
        bits: 32,
        formatCode: 3,
      }),
      'yes/plain.wav': clip16k(1),
    });
    const summary = await importSpeechCommandsFolder(config({ path: src }), out);
    expect(summary).toMatchObject({ converted: 2, resampled: 2, mixedDown: 1, padded: 1, trimmed: 0 });

    const stereo = readWav(join(out, 'yes/stereo.wav'));
    expect(stereo).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, format: 'pcm' });
    expect(stereo.samples.length).toBe(16000);
    const expected = tone(1, 16000, 440, 0.4); // channel mean of 0.5 and 0.3
    let maxErr = 0;
    for (let i = 200; i < 15800; i++) maxErr = Math.max(maxErr, Math.abs(stereo.samples[i]! - expected[i]!));
    expect(maxErr).toBeLessThan(2e-3);

    const short = readWav(join(out, 'yes/short.wav')).samples;
    expect(short.length).toBe(16000);
    expect(Math.max(...short.subarray(2000, 7800).map(Math.abs))).toBeGreaterThan(0.35);
    expect(short.subarray(8100).every((x) => x === 0)).toBe(true);
  });

  it('trims a clip longer than clipMs, keeping its start', async () => {
    const long = tone(1.5, 16000, 300, 0.3);
    const { src, out } = folder({ 'yes/long.wav': encodeWav16(long, 16000) });
    const summary = await importSpeechCommandsFolder(config({ path: src }), out);
    expect(summary.trimmed).toBe(1);
    expect(readFileSync(join(out, 'yes/long.wav'))).toEqual(encodeWav16(long.subarray(0, 16000), 16000));
  });

  it('without list files splits by the file-name hash, keeping a speaker in one split', async () => {
    const files: Record<string, Buffer> = {};
    for (let s = 0; s < 12; s++) {
      files[`yes/spk${s}_nohash_0.wav`] = clip16k(s);
      files[`no/spk${s}_nohash_1.wav`] = clip16k(s + 20);
    }
    const { src, out } = folder(files);
    const split = { validation: 0.3, test: 0.3 };
    const summary = await importSpeechCommandsFolder(config({ path: src, split }), out);
    expect(summary.splitSource).toBe('hash');

    const listed = (f: string) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean);
    const expectedIn = (want: string) =>
      Object.keys(files)
        .filter((p) => hashSplit(p.slice(p.indexOf('/') + 1), split) === want)
        .sort();
    expect(listed('validation_list.txt')).toEqual(expectedIn('validation'));
    expect(listed('testing_list.txt')).toEqual(expectedIn('test'));
    expect(listed('validation_list.txt').length + listed('testing_list.txt').length).toBeGreaterThan(0);
    for (let s = 0; s < 12; s++) {
      const inTest = listed('testing_list.txt');
      expect(inTest.includes(`yes/spk${s}_nohash_0.wav`)).toBe(inTest.includes(`no/spk${s}_nohash_1.wav`));
    }
  });

  it('maps folders that are not keywords to _unknown_, lists included', async () => {
    const { src, out } = folder(validTree());
    const summary = await importSpeechCommandsFolder(config({ path: src, keywords: ['yes'] }), out);
    expect(summary.labels).toEqual(['_silence_', '_unknown_', 'yes']);
    expect(summary.unknownFolders).toEqual(['no', 'up']);
    expect(Object.keys(dirDigest(join(out, '_unknown_')))).toEqual([
      'no_a_nohash_1.wav',
      'no_d_nohash_0.wav',
      'up_e_nohash_0.wav',
      'up_f_nohash_0.wav',
    ]);
    expect(readFileSync(join(out, 'validation_list.txt'), 'utf8')).toBe(
      '_unknown_/no_d_nohash_0.wav\n_unknown_/up_e_nohash_0.wav\n',
    );
    expect(JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8')).counts.train).toEqual({
      _silence_: 0,
      _unknown_: 2,
      yes: 2,
    });
  });

  it('cuts _silence_ clips from _background_noise_ at evenly spaced windows', async () => {
    const pink = tone(2, 16000, 90, 0.2);
    const { src, out } = folder({
      ...validTree(),
      '_background_noise_/white.wav': encodeWav16(tone(3, 16000, 1000, 0.1), 16000),
      '_background_noise_/pink.wav': encodeWav16(pink, 16000),
    });
    const summary = await importSpeechCommandsFolder(config({ path: src, silenceClips: 3 }), out);
    expect(summary.silenceClips).toBe(3);
    expect(Object.keys(dirDigest(join(out, '_silence_')))).toEqual(['pink_0.wav', 'pink_1.wav', 'white_0.wav']);
    expect(readFileSync(join(out, '_silence_/pink_1.wav'))).toEqual(encodeWav16(pink.subarray(16000), 16000));
    const counts = JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8')).counts;
    expect(counts.train._silence_ + counts.validation._silence_ + counts.test._silence_).toBe(3);
  });

  it('keeps _background_noise_ whole and unlisted with keepBackgrounds (for compose-kws), and not by default', async () => {
    const noise = tone(3, 8000, 300, 0.2);
    const { src, out } = folder({ ...validTree(), '_background_noise_/fan.WAV': encodeWav16(noise, 8000) });
    await importSpeechCommandsFolder(config({ path: src }), out);
    expect(existsSync(join(out, '_background_noise_'))).toBe(false);
    await importSpeechCommandsFolder(config({ path: src, keepBackgrounds: true }), out);
    expect(Object.keys(dirDigest(join(out, '_background_noise_')))).toEqual(['fan.wav']);
    expect(readWav(join(out, '_background_noise_/fan.wav')).samples.length).toBe(3 * 16000);
    const lists =
      readFileSync(join(out, 'validation_list.txt'), 'utf8') + readFileSync(join(out, 'testing_list.txt'), 'utf8');
    expect(lists).not.toContain('_background_noise_');
  });

  describe('rejects unusable input with the path and the reason', () => {
    const wavError = async (bytes: Buffer): Promise<[string, string]> => {
      const { src, out } = folder({ ...validTree(), 'yes/bad.wav': bytes });
      return [await importError({ path: src }, out), `import-audio: ${src}/yes/bad.wav: `];
    };

    it('a corrupt header', async () => {
      const [msg, prefix] = await wavError(Buffer.from('this is not a wav file at all'));
      expect(msg).toBe(`${prefix}not a RIFF/WAVE file`);
    });

    it('a truncated file', async () => {
      const [msg, prefix] = await wavError(clip16k(9).subarray(0, 1044));
      expect(msg).toBe(`${prefix}truncated data chunk (expected 32000 bytes, found 1000)`);
    });

    it('an unsupported format', async () => {
      const [msg, prefix] = await wavError(
        encodeRawWav({ sampleRate: 16000, channels: [tone(0.1, 16000)], bits: 16, formatCode: 0x55 }),
      );
      expect(msg).toBe(`${prefix}unsupported format 0x0055 (MP3)`);
    });

    it('a missing directory (relative paths resolve against cwd) or a file', async () => {
      const { src, out } = folder({ 'file.txt': 'x' });
      expect(await importError({ path: 'data/x' }, out, src)).toBe('import-audio: path "data/x": no such directory');
      expect(await importError({ path: 'file.txt' }, out, src)).toBe('import-audio: path "file.txt": not a directory');
    });

    it('no label folders', async () => {
      const { src, out } = folder({ 'README.md': 'x' });
      expect(await importError({ path: src }, out)).toBe(
        `import-audio: path "${src}": no label folders (expected <label>/<clip>.wav, e.g. ${src}/yes/0a7c2a8d_nohash_0.wav)`,
      );
    });

    it('an empty label folder', async () => {
      const { src, out } = folder({ ...validTree(), 'down/readme.txt': 'x' });
      mkdirSync(join(src, 'left'));
      expect(await importError({ path: src }, out)).toBe(`import-audio: label folder ${src}/down has no .wav files`);
    });

    it('a list naming a missing file, with the list and line number', async () => {
      const { src, out } = folder({ ...validTree(), 'testing_list.txt': 'yes/c_nohash_0.wav\nyes/nope.wav\n' });
      expect(await importError({ path: src }, out)).toBe(
        `import-audio: ${src}/testing_list.txt:2: "yes/nope.wav" is not a .wav clip in a label folder of ${src}`,
      );
    });

    it('a clip in both lists', async () => {
      const { src, out } = folder({ ...validTree(), 'testing_list.txt': 'no/d_nohash_0.wav\n' });
      expect(await importError({ path: src }, out)).toBe(
        `import-audio: ${src}/testing_list.txt:1: "no/d_nohash_0.wav" is also in validation_list.txt; a clip can be in only one split`,
      );
    });

    it('a keyword without a folder, and silence without noise files', async () => {
      const { src, out } = folder(validTree());
      expect(await importError({ path: src, keywords: ['yes', 'go'] }, out)).toBe(
        `import-audio: keyword "go" has no folder ${src}/go (label folders: no, up, yes)`,
      );
      expect(await importError({ path: src, silenceClips: 2 }, out)).toBe(
        `import-audio: silenceClips is 2 but ${src}/_background_noise_ has no .wav files to cut them from`,
      );
      expect(await importError({ path: src, keepBackgrounds: true }, out)).toBe(
        `import-audio: keepBackgrounds is true but ${src}/_background_noise_ has no .wav files`,
      );
    });

    it('two files that would get the same name', async () => {
      const { src, out } = folder({ 'yes/a.wav': clip16k(1), 'yes/a.WAV': clip16k(2) });
      expect(await importError({ path: src }, out)).toBe(
        'import-audio: "yes/a.WAV" and "yes/a.wav" would both be imported as "yes/a.wav"; rename one of them',
      );
    });
  });

  it('does not depend on file modification times', async () => {
    const a = folder(validTree());
    await importSpeechCommandsFolder(config({ path: a.src }), a.out);
    utimesSync(join(a.src, 'yes/a_nohash_0.wav'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    writeFileSync(join(a.src, 'README.md'), 'changed');
    const again = join(root, 'mtime-again');
    await importSpeechCommandsFolder(config({ path: a.src }), again);
    expect(dirDigest(again)).toEqual(dirDigest(a.out));
  });
});
