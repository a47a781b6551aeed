import { emitModelC, planModelMemory } from '../../../src/codegen/model-c';
import { checkPlan, planMemory } from '../../../src/codegen/memory-plan';
import { frontEndCodes, quantizeModelInput, runIntModel } from '../../../src/nn/int-reference';
import { tensorBytes } from '../../../src/quant/int-model';
import { Prng } from '../../../src/util/prng';
import { buildHostModel, runHostModel, writeModelSources } from '../../helpers/model-firmware';
import { INPUT_SHAPE, randomFeatures, randomIntModel } from '../../helpers/random-model';

describe('memory planner', () => {
  it('a chain needs exactly its largest input + output (MicroNets eq. 3 bound met)', () => {
    const tensors = [
      { name: 'in', bytes: 490 },
      { name: 'a', bytes: 8000 },
      { name: 'b', bytes: 8000 },
      { name: 'c', bytes: 8000 },
      { name: 'd', bytes: 64 },
    ];
    const ops = [
      { name: 'op0', inputs: ['in'], output: 'a', scratchBytes: 0 },
      { name: 'op1', inputs: ['a'], output: 'b', scratchBytes: 0 },
      { name: 'op2', inputs: ['b'], output: 'c', scratchBytes: 0 },
      { name: 'op3', inputs: ['c'], output: 'd', scratchBytes: 0 },
    ];
    const plan = planMemory(tensors, ops, 'in', 'd');
    expect(plan.lowerBoundBytes).toBe(16000);
    expect(plan.arenaBytes).toBe(16000);
    checkPlan(plan);
  });

  it('an in-place add reuses its dying input; without it the skip needs three buffers', () => {
    const tensors = [
      { name: 'x', bytes: 100 },
      { name: 'y', bytes: 100 },
      { name: 's', bytes: 100 },
    ];
    const mk = (inPlace: boolean) => [
      { name: 'f', inputs: ['x'], output: 'y', scratchBytes: 0 },
      {
        name: 'add',
        inputs: ['y', 'x'],
        output: 's',
        scratchBytes: 0,
        ...(inPlace ? { inPlace: { shift: 0, tempBytes: 0 } } : {}),
      },
    ];
    expect(planMemory(tensors, mk(false), 'x', 's').arenaBytes).toBe(300);
    const p = planMemory(tensors, mk(true), 'x', 's');
    expect(p.arenaBytes).toBe(200);
    expect(p.offsets.get('s')).toBe(p.offsets.get('y'));
  });

  it('a shifted in-place op shares its input buffer, output placed `shift` bytes earlier, temp as scratch', () => {
    const tensors = [
      { name: 'in', bytes: 100 },
      { name: 'a', bytes: 1000 },
      { name: 'b', bytes: 1000 },
      { name: 'c', bytes: 10 },
    ];
    const ops = [
      { name: 'op0', inputs: ['in'], output: 'a', scratchBytes: 0 },
      { name: 'dw', inputs: ['a'], output: 'b', scratchBytes: 16, inPlace: { shift: 40, tempBytes: 40 } },
      { name: 'op2', inputs: ['b'], output: 'c', scratchBytes: 0 },
    ];
    const plan = planMemory(tensors, ops, 'in', 'c');
    expect(plan.inPlaceOps.has('dw')).toBe(true);
    expect(plan.offsets.get('a')! - plan.offsets.get('b')!).toBe(40);
    expect(plan.arenaBytes).toBeLessThan(plan.lowerBoundBytes); // 1040 + 56 < 2000 + 16
    checkPlan(plan);
    // An input that is read again later is not overwritten.
    const keep = planMemory(
      [...tensors, { name: 'd', bytes: 10 }],
      [...ops, { name: 'op3', inputs: ['a', 'c'], output: 'd', scratchBytes: 0 }],
      'in',
      'd',
    );
    expect(keep.inPlaceOps.has('dw')).toBe(false);
  });

  it('checkPlan catches overlapping live buffers', () => {
    expect(() =>
      checkPlan({
        arenaBytes: 10,
        lowerBoundBytes: 10,
        offsets: new Map(),
        strategy: 'x',
        inPlaceOps: new Set(),
        buffers: [
          { tensors: ['a'], offset: 0, bytes: 8, first: 0, last: 2 },
          { tensors: ['b'], offset: 4, bytes: 8, first: 1, last: 1 },
        ],
      }),
    ).toThrow(/a and b are live together/);
  });

  it('the skip model plans within 5% of its lower bound without in-place ops, below it with them', () => {
    const { model } = randomIntModel('plan');
    expect(planModelMemory(model).arenaBytes).toBeLessThan(planModelMemory(model).lowerBoundBytes);
    expect([...planModelMemory(model).inPlaceOps].sort()).toEqual([
      'block1_add',
      'block1_pw',
      'block2_add',
      'block2_pw',
      'block3_dw',
    ]);
    const plan = planModelMemory(model, { inPlace: false });
    expect(plan.arenaBytes).toBeGreaterThanOrEqual(plan.lowerBoundBytes);
    expect(plan.arenaBytes).toBeLessThanOrEqual(Math.ceil(plan.lowerBoundBytes * 1.05));
  });
});

describe('generated C on the host', () => {
  it('is bit-exact with the integer reference, output and every layer', () => {
    const { model } = randomIntModel('host-c');
    const dir = writeModelSources(model);
    const exe = buildHostModel(dir);
    const count = 12;
    const n = INPUT_SHAPE[0] * INPUT_SHAPE[1];
    const x = randomFeatures(Prng.derive('host-c-x'), count);
    const inputs = new Int8Array(count * n);
    const expected: Int8Array[] = [];
    let first: Map<string, Int8Array> | undefined;
    for (let i = 0; i < count; i++) {
      const q = quantizeModelInput(model, frontEndCodes(model, x.subarray(i * n, (i + 1) * n)));
      inputs.set(q, i * n);
      const values = runIntModel(model, q);
      first ??= values;
      expected.push(values.get(model.output)!);
    }
    const run = runHostModel(exe, dir, inputs);
    expect(run.stdout).toContain(`vectors ${count}`);
    expect(run.status).toBe(0);
    const outBytes = tensorBytes(model.tensors.find((t) => t.name === model.output)!);
    for (let i = 0; i < count; i++)
      expect(Array.from(run.outputs.subarray(i * outBytes, (i + 1) * outBytes))).toEqual(Array.from(expected[i]!));
    let off = 0;
    for (const op of model.ops) {
      const want = first!.get(op.output)!;
      expect([op.name, Array.from(run.layers.subarray(off, off + want.length))]).toEqual([op.name, Array.from(want)]);
      off += want.length;
    }
    expect(off).toBe(run.layers.length);
  });

  it('emits packed arrays for 4-bit layers and a static arena of the planned size', () => {
    const { model } = randomIntModel('emit', (l) => (l === 'block1_pw' ? 4 : 8));
    const c = emitModelC(model);
    expect(c.source).toMatch(/static const uint8_t op\d+_block1_pw_weights\[32\]/); // 8×8 codes → 32 bytes
    expect(c.source).toContain('tops_pointwise_conv2d_s4(');
    expect(c.header).toContain(`#define TOPS_MODEL_ARENA_BYTES ${c.plan.arenaBytes}`);
    expect(c.source).not.toMatch(/malloc/);
  });
});
