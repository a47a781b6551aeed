import { cacheKeyInputs, cacheKeyMaterial, computeCacheKey, type CacheKeyInput } from '../../../src/cache/cache-key';
import type { StageOutputs } from '../../../src/stage/stage-module';
import { canonicalJson } from '../../../src/cache/canonical-json';
import { sha256Bytes } from '../../../src/store/digest';

const D1 = sha256Bytes('dataset');
const D2 = sha256Bytes('streams');
const D3 = sha256Bytes('architecture');

const base: CacheKeyInput = {
  stage: 'train',
  kind: 'train',
  version: 3,
  config: { epochs: 30, quantization: { bits: [2, 4, 8], regularizer: 'reg-n', lambda: 0.01 } },
  inputs: [
    {
      stage: 'features',
      artifacts: [
        { name: 'train', sha256: D1 },
        { name: 'streams', sha256: D2 },
      ],
    },
    { stage: 'search', artifacts: [{ name: 'architecture', sha256: D3 }] },
  ],
  seed: 42,
  tools: { tfjs: '4.22.0' },
};

describe('computeCacheKey', () => {
  it('is a hex sha256 of the canonical JSON of the documented material', () => {
    const key = computeCacheKey(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).toBe(sha256Bytes(canonicalJson(cacheKeyMaterial(base))));
    // The formula is pinned: changing it silently would orphan (or worse, alias) every entry.
    expect(canonicalJson(cacheKeyMaterial(base))).toBe(
      '{"config":{"epochs":30,"quantization":{"bits":[2,4,8],"lambda":0.01,"regularizer":"reg-n"}},' +
        '"format":3,"inputWiring":{"architecture":"search","streams":"features","train":"features"},"inputs":[{"artifacts":[{"name":"streams","sha256":"' +
        D2 +
        '"},{"name":"train","sha256":"' +
        D1 +
        '"}],' +
        '"stage":"features"},{"artifacts":[{"name":"architecture","sha256":"' +
        D3 +
        '"}],"stage":"search"}],' +
        '"kind":"train","seed":42,"stage":"train","tools":{"tfjs":"4.22.0"},"version":3}',
    );
  });

  const changes: Array<[string, CacheKeyInput]> = [
    ['kind', { ...base, kind: 'quantize' }],
    // Same kind, config and inputs under another name: other random streams, other bytes.
    ["the stage's own name", { ...base, stage: 'train-4bit' }],
    ['version', { ...base, version: 4 }],
    [
      'a config value',
      { ...base, config: { epochs: 31, quantization: { bits: [2, 4, 8], regularizer: 'reg-n', lambda: 0.01 } } },
    ],
    [
      'a nested config value',
      { ...base, config: { epochs: 30, quantization: { bits: [2, 4], regularizer: 'reg-n', lambda: 0.01 } } },
    ],
    [
      'an input digest',
      { ...base, inputs: [base.inputs[0]!, { stage: 'search', artifacts: [{ name: 'architecture', sha256: D1 }] }] },
    ],
    [
      'an input artifact name',
      { ...base, inputs: [base.inputs[0]!, { stage: 'search', artifacts: [{ name: 'arch', sha256: D3 }] }] },
    ],
    [
      'an input stage name',
      { ...base, inputs: [base.inputs[0]!, { stage: 'dnas', artifacts: [{ name: 'architecture', sha256: D3 }] }] },
    ],
    ['a removed input', { ...base, inputs: [base.inputs[0]!] }],
    ['seed', { ...base, seed: 43 }],
    ['a tool version', { ...base, tools: { tfjs: '4.22.1' } }],
    ['an added tool', { ...base, tools: { tfjs: '4.22.0', gcc: '13.2' } }],
  ];
  it.each(changes)('changes when %s changes', (_what, changed) => {
    expect(computeCacheKey(changed)).not.toBe(computeCacheKey(base));
  });

  it('does not change with key order, input order or artifact order', () => {
    const reordered: CacheKeyInput = {
      tools: { tfjs: '4.22.0' },
      seed: 42,
      inputs: [
        { stage: 'search', artifacts: [{ sha256: D3, name: 'architecture' }] },
        {
          stage: 'features',
          artifacts: [
            { name: 'streams', sha256: D2 },
            { name: 'train', sha256: D1 },
          ],
        },
      ],
      config: { quantization: { lambda: 0.01, regularizer: 'reg-n', bits: [2, 4, 8] }, epochs: 30 },
      version: 3,
      kind: 'train',
      stage: 'train',
    };
    expect(computeCacheKey(reordered)).toBe(computeCacheKey(base));
  });

  it('treats absent tools like no tools, and ignores unset optional config fields', () => {
    const noTools = { ...base, tools: undefined };
    expect(computeCacheKey(noTools)).toBe(computeCacheKey({ ...base, tools: {} }));
    expect(computeCacheKey({ ...base, config: { epochs: 30, note: undefined } })).toBe(
      computeCacheKey({ ...base, config: { epochs: 30 } }),
    );
  });

  it('keeps the order of arrays inside the config (it is meaningful)', () => {
    const swapped = {
      ...base,
      config: { epochs: 30, quantization: { bits: [8, 4, 2], regularizer: 'reg-n', lambda: 0.01 } },
    };
    expect(computeCacheKey(swapped)).not.toBe(computeCacheKey(base));
  });

  it.each([
    [
      'a malformed digest',
      { ...base, inputs: [{ stage: 's', artifacts: [{ name: 'a', sha256: 'abc' }] }] },
      /invalid sha256/,
    ],
    ['duplicate stages', { ...base, inputs: [base.inputs[1]!, base.inputs[1]!] }, /duplicate input stage "search"/],
    [
      'duplicate artifacts',
      {
        ...base,
        inputs: [
          {
            stage: 's',
            artifacts: [
              { name: 'a', sha256: D1 },
              { name: 'a', sha256: D2 },
            ],
          },
        ],
      },
      /duplicate artifact/,
    ],
    ['a fractional version', { ...base, version: 1.5 }, /version/],
    ['a NaN seed', { ...base, seed: NaN }, /seed/],
    ['NaN in the config', { ...base, config: { lr: NaN } }, /NaN at \$\.config\.lr/],
  ])('rejects %s', (_what, input, message) => {
    expect(() => computeCacheKey(input)).toThrow(message);
  });
});

describe("cacheKeyInputs (a stage module's declared reads)", () => {
  const ref = (name: string, text: string) => ({
    name,
    sha256: sha256Bytes(text),
    bytes: text.length,
    uri: `file:///${name}`,
    mediaType: 'application/octet-stream',
  });
  const outputs = (testText: string): Record<string, StageOutputs> => ({
    features: {
      artifacts: [ref('train', 'train'), ref('validation', 'validation'), ref('test', testText)],
      metrics: { testClips: testText.length },
    },
    dnas: { artifacts: [ref('architecture', 'arch'), ref('search', 'trace')], metrics: {} },
  });
  const needs = ['features', 'dnas'];
  const key = (o: Record<string, StageOutputs>, reads: readonly string[] | undefined) =>
    computeCacheKey({ ...base, inputs: cacheKeyInputs(needs, o, reads) });
  const reads = ['train', 'validation', 'architecture', 'model'];

  it('an undeclared artifact does not change the key; a declared one does', () => {
    expect(key(outputs('test v2'), reads)).toBe(key(outputs('test v1'), reads));
    const other = outputs('test v1');
    other.features = {
      ...other.features!,
      artifacts: [ref('train', 'train v2'), ...other.features!.artifacts.slice(1)],
    };
    expect(key(other, reads)).not.toBe(key(outputs('test v1'), reads));
    const arch = outputs('test v1');
    arch.dnas = { artifacts: [ref('architecture', 'arch v2'), ref('search', 'trace')], metrics: {} };
    expect(key(arch, reads)).not.toBe(key(outputs('test v1'), reads));
  });

  it('without reads, every artifact is in the key, and the material is the one made before reads existed', () => {
    expect(key(outputs('test v2'), undefined)).not.toBe(key(outputs('test v1'), undefined));
    // Byte-identical to the material bookkeeping built by hand before `reads` (format 3 unchanged).
    const o = outputs('test v1');
    const handBuilt = needs.map((stage) => ({
      stage,
      artifacts: o[stage]!.artifacts.map((a) => ({ name: a.name, sha256: a.sha256 })),
    }));
    expect(canonicalJson(cacheKeyMaterial({ ...base, inputs: cacheKeyInputs(needs, o, undefined) }))).toBe(
      canonicalJson(cacheKeyMaterial({ ...base, inputs: handBuilt })),
    );
  });

  it('the material of a stage with reads names only the read artifacts, in inputs and inputWiring', () => {
    const m = cacheKeyMaterial({ ...base, inputs: cacheKeyInputs(needs, outputs('t'), reads) }) as {
      inputs: Array<{ stage: string; artifacts: Array<{ name: string }> }>;
      inputWiring: Record<string, string>;
    };
    expect(m.inputs.map((i) => [i.stage, i.artifacts.map((a) => a.name)])).toEqual([
      ['dnas', ['architecture']],
      ['features', ['train', 'validation']],
    ]);
    expect(m.inputWiring).toEqual({ architecture: 'dnas', train: 'features', validation: 'features' });
  });
});
