import fs from 'node:fs';
import path from 'node:path';
import { findBoard } from '../../../src/boards/registry';
import { kernelSources, scratchFor } from '../../../src/codegen/kernel-variants';
import { planModelPartitions } from '../../../src/codegen/external-memory-plan';
import { planModelMemory } from '../../../src/codegen/model-c';
import { buildFirmware, FIRMWARE_DIR, runOnQemu } from '../../../src/deploy';
import { tensorBytes } from '../../../src/quant/int-model';
import { EXTMEM_RUNTIME, referenceVectors, writePartitionedSources } from '../../helpers/extmem-firmware';
import { randomIntModel } from '../../helpers/random-model';

/**
 * TinyOps partitioning on the emulated board: the activation arena (and the weights) in the
 * external RAM region QEMU maps besides SRAM, every op in double-buffered parts through SRAM
 * fast buffers, the dsp kernels; outputs bit-exact with the host reference.
 */
describe('partitioned model in QEMU (stm32f746zg, external SDRAM/QSPI region)', () => {
  it('runs bit-exact with an SRAM need ≥ 2× the budget, with exactly the planned transfers, overlapped with compute', async () => {
    const { model } = randomIntModel('extmem-qemu');
    const scratch = scratchFor('dsp');
    const sramNeed = planModelMemory(model, { scratchBytes: scratch }).arenaBytes;
    const budget = 4 * Math.floor(sramNeed / 2 / 4); // ≤ half of what the all-in-SRAM plan needs
    const { plan, latency } = planModelPartitions(model, { sramBudgetBytes: budget, weightsExternal: true, scratch }, findBoard('stm32f746zg'));
    if (plan.mode !== 'external') throw new Error('expected an external plan');
    expect(sramNeed).toBeGreaterThanOrEqual(2 * budget);
    expect(plan.fastBytes).toBeLessThanOrEqual(budget);
    expect(plan.ops.some((o) => o.doubleBuffered)).toBe(true);
    expect(latency?.modelledOverhead).toBeGreaterThan(0);

    const { dir } = writePartitionedSources(model, plan);
    const build = await buildFirmware({
      board: 'stm32f746zg',
      sources: [path.join(dir, 'tops_model.c'), path.join(FIRMWARE_DIR, 'harness', 'tops_model_main.c'), EXTMEM_RUNTIME, ...kernelSources('dsp')],
      includeDirs: [dir],
      outDir: path.join(dir, 'build'),
      stackBytes: 8192,
    });
    // The arena and the weights are not in SRAM: static SRAM holds the fast buffers, not the arena.
    const nm = fs.readFileSync(build.linkerScriptPath, 'utf8');
    expect(nm).toContain('EXTRAM');
    const count = 4;
    const { inputs, expected } = referenceVectors(model, 'extmem-qemu-x', count);
    fs.writeFileSync(path.join(dir, 'vectors.bin'), Buffer.from(inputs.buffer));
    const run = await runOnQemu({ board: 'stm32f746zg', elfPath: build.elfPath, workDir: dir, timeoutMs: 120_000 });
    expect(run.stdout).toMatch(/^ok$/m);
    const outputs = new Int8Array(fs.readFileSync(path.join(dir, 'outputs.bin')));
    const outBytes = tensorBytes(model.tensors.find((t) => t.name === model.output)!);
    for (let i = 0; i < count; i++) expect(Array.from(outputs.subarray(i * outBytes, (i + 1) * outBytes))).toEqual(Array.from(expected[i]!));
    const m = /extmem transfers (\d+) bytes (\d+) overlapped (\d+) kernels (\d+)/.exec(run.stdout);
    expect(m).not.toBeNull();
    const [transfers, bytes, overlapped, kernels] = m!.slice(1).map(Number) as [number, number, number, number];
    expect(transfers).toBe(count * plan.transfers);
    expect(bytes).toBe(count * (plan.bytesIn + plan.bytesOut));
    expect(kernels).toBe(count * plan.parts);
    // Double buffering: when a kernel starts, the next part's fetch (or the previous write-back) is in flight.
    expect(overlapped).toBeGreaterThan(0);
  });
});
