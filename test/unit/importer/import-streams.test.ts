import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav } from '../../../src/audio/wav';
import { StageInputError } from '../../../src/errors';
import { importStreams } from '../../../src/importer/import-streams';
import { encodeRawWav, tone, writeTree } from '../../helpers/wav-fixtures';

describe('importStreams', () => {
  let root: string;
  let n = 0;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'import-streams-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const entry = (file: string, events: unknown[], durationSec = 6) => ({
    file,
    durationSec,
    sampleRate: 22050,
    background: 'file',
    events,
  });
  const kw = (label: string, onsetSec: number, offsetSec: number) => ({ label, onsetSec, offsetSec, kind: 'keyword' });
  function streamsFolder(index: unknown): { dir: string; out: string } {
    const dir = join(root, `case${n++}`);
    const wav = encodeRawWav({ sampleRate: 22050, channels: [tone(6, 22050, 300, 0.2)], bits: 16 });
    writeTree(dir, { 'b.wav': wav, 'a.wav': wav, 'unlisted.wav': wav, 'index.json': JSON.stringify(index) });
    return { dir, out: `${dir}-out` };
  }
  const failure = (dir: string, out: string) =>
    importStreams(dir, dir, out, 16000, ['yes', 'no']).then(
      () => 'no error',
      (e: unknown) => {
        expect(e).toBeInstanceOf(StageInputError);
        return (e as Error).message;
      },
    );

  it('converts the named WAVs and rewrites index.json (sorted, converted rate and duration)', async () => {
    const { dir, out } = streamsFolder([
      entry('b.wav', [{ label: 'bed', onsetSec: 4, offsetSec: 4.5, kind: 'negative' }, kw('yes', 1, 1.6)]),
      entry('a.wav', [kw('no', 2, 2.5)]),
    ]);
    const summary = await importStreams(dir, dir, out, 16000, ['yes', 'no']);
    expect(summary).toEqual({ streams: 2, totalSec: 12, keywordEvents: 2, negativeEvents: 1, converted: 2 });
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    expect(index).toEqual([
      {
        file: 'a.wav',
        durationSec: 6,
        sampleRate: 16000,
        background: 'file',
        events: [{ label: 'no', onsetSec: 2, offsetSec: 2.5, kind: 'keyword' }],
      },
      {
        file: 'b.wav',
        durationSec: 6,
        sampleRate: 16000,
        background: 'file',
        events: [
          { label: 'yes', onsetSec: 1, offsetSec: 1.6, kind: 'keyword' },
          { label: 'bed', onsetSec: 4, offsetSec: 4.5, kind: 'negative' },
        ],
      },
    ]);
    expect(readWav(join(out, 'a.wav'))).toMatchObject({ sampleRate: 16000, channels: 1 });
    expect(readWav(join(out, 'a.wav')).samples.length).toBe(96000);
  });

  it('rejects an index that does not match the schema', async () => {
    const { dir, out } = streamsFolder([{ ...entry('a.wav', [kw('yes', 2, 1)]), extra: 1 }]);
    const msg = await failure(dir, out);
    expect(msg).toMatch(new RegExp(`^import-audio: ${dir}/index\\.json: `));
    expect(msg).toContain('extra');
    expect(msg).toContain('0.events.0: offsetSec must be after onsetSec');
  });

  it('rejects a missing file, an event past the end, a wrong duration and an unknown keyword', async () => {
    let f = streamsFolder([entry('gone.wav', [])]);
    expect(await failure(f.dir, f.out)).toBe(`import-audio: ${f.dir}/gone.wav: cannot read file (ENOENT)`);
    f = streamsFolder([entry('a.wav', [kw('yes', 5.8, 6.5)])]);
    expect(await failure(f.dir, f.out)).toBe(
      `import-audio: ${f.dir}/index.json: a.wav: event "yes" ends at 6.5 s, after the stream's end (6.000 s)`,
    );
    f = streamsFolder([entry('a.wav', [], 60)]);
    expect(await failure(f.dir, f.out)).toBe(
      `import-audio: ${f.dir}/index.json: a.wav: durationSec is 60 but ${f.dir}/a.wav lasts 6.000 s`,
    );
    f = streamsFolder([entry('a.wav', [kw('go', 1, 2)])]);
    expect(await failure(f.dir, f.out)).toBe(
      `import-audio: ${f.dir}/index.json: a.wav: keyword event "go" is not a keyword of the dataset (yes, no)`,
    );
  });

  it('needs index.json', async () => {
    const { dir, out } = streamsFolder([]);
    rmSync(join(dir, 'index.json'));
    expect(await failure(dir, out)).toBe(
      `import-audio: ${dir}/index.json: no such file (a streams folder needs an index.json)`,
    );
  });
});
