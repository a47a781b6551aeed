import { z } from 'zod';
import { importAudioConfigSchema } from '../../../src/importer/import-config';

describe('importAudioConfigSchema', () => {
  it('needs only path and fills the defaults', () => {
    expect(importAudioConfigSchema.parse({ path: 'data/kws' })).toEqual({
      path: 'data/kws',
      sampleRate: 16000,
      clipMs: 1000,
      split: { validation: 0.1, test: 0.1 },
      silenceClips: 0,
    });
  });

  it('rejects a missing path, unknown keys, reserved or duplicate keywords, and a split leaving no training data', () => {
    const issues = (v: unknown) => {
      const r = importAudioConfigSchema.safeParse(v);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({})).toEqual([expect.stringMatching(/^path: /)]);
    expect(issues({ path: 'x', sampleRte: 8000 })).toEqual([expect.stringContaining('sampleRte')]);
    expect(issues({ path: 'x', keywords: ['yes', '_unknown_', 'yes'] })).toEqual([
      'keywords.1: "_unknown_" is reserved and cannot be a keyword',
      'keywords.2: duplicate entry "yes"',
    ]);
    expect(issues({ path: 'x', keywords: ['a/b'] })).toEqual([
      expect.stringMatching(/^keywords\.0: expected a folder name/),
    ]);
    expect(issues({ path: 'x', split: { validation: 0.5, test: 0.5 } })).toEqual([
      'split: validation + test must leave clips for training',
    ]);
  });

  it('generates an editor JSON Schema', () => {
    const schema = z.toJSONSchema(importAudioConfigSchema, { target: 'draft-07', io: 'input' }) as {
      required?: string[];
    };
    expect(schema.required).toEqual(['path']);
  });
});
