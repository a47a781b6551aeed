import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StageInputError } from '../../../src/errors';
import { chooseActivationParams, nudgedRange } from '../../../src/quant/int8-scheme';
import { loadQuantJson, parseQuantJson, QUANT_JSON_FORMAT, type QuantJson } from '../../../src/quant/quant-json';

function valid(): QuantJson {
  const p = chooseActivationParams(0, 6);
  const r = nudgedRange(p);
  return {
    format: QUANT_JSON_FORMAT,
    scheme: 'tflite-int8',
    qat: { enabled: true, startEpoch: 3, rangeTracking: 'ema-min-max', emaDecay: 0.9 },
    batchNorm: 'folded-moving-stats',
    layers: {
      conv0: { bits: 8, channelAxis: 3, foldedBatchNorm: 'conv0_bn', regularized: false, weightScales: [0.01, 0.02] },
      dense: { bits: 4, channelAxis: 1, foldedBatchNorm: null, regularized: true, weightScales: [0.1] },
    },
    activations: { conv0_relu: { ...r, scale: p.scale, zeroPoint: p.zeroPoint, observedMin: 0, observedMax: 6 } },
    regularization: {
      regularizer: 'reg-n',
      lambda: 1e-4,
      schedule: { type: 'step-bounded', step: 10, rate: 0.8 },
      scheduleUnit: 'epoch',
      regularize8Bit: false,
    },
  };
}

describe('quant.json', () => {
  it('round-trips a valid document and loads it from a model directory', () => {
    const q = valid();
    expect(parseQuantJson(JSON.stringify(q))).toEqual(q);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quant-json-'));
    try {
      expect(loadQuantJson(dir)).toBeUndefined(); // a float model has none
      fs.writeFileSync(path.join(dir, 'quant.json'), JSON.stringify(q));
      expect(loadQuantJson(dir)).toEqual(q);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['another format', (q: QuantJson) => ({ ...q, format: 'tinyops-quant/2' }), 'format'],
    [
      'a 3-bit layer',
      (q: QuantJson) => ({ ...q, layers: { conv0: { ...q.layers.conv0!, bits: 3 } } }),
      'layers.conv0.bits',
    ],
    [
      'a zero weight scale',
      (q: QuantJson) => ({ ...q, layers: { conv0: { ...q.layers.conv0!, weightScales: [0] } } }),
      'layers.conv0.weightScales.0',
    ],
    [
      'a range without 0',
      (q: QuantJson) => ({ ...q, activations: { x: { ...q.activations.conv0_relu!, min: 1 } } }),
      'activations.x',
    ],
    ['an unknown key', (q: QuantJson) => ({ ...q, extra: 1 }), '(root)'],
  ])('rejects %s, naming the field', (_n, mutate, field) => {
    expect(() => parseQuantJson(JSON.stringify(mutate(valid())), 'model/quant.json')).toThrow(StageInputError);
    expect(() => parseQuantJson(JSON.stringify(mutate(valid())), 'model/quant.json')).toThrow(
      `model/quant.json: ${field}`,
    );
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseQuantJson('{', 'q.json')).toThrow('q.json is not JSON');
  });
});
