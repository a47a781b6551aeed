import {
  CPI_MODELS,
  DEFAULT_RESERVATION,
  estimateLatency,
  renderLinkerScript,
  resolveBoard,
  UnknownBoardError,
} from '../../../src/deploy';
import { parseRegionOverflows } from '../../../src/deploy/link-overflow';
import { countsBetween, parsePluginReport } from '../../../src/deploy/plugin-report';
import { parseSizeOutput } from '../../../src/deploy/section-sizes';

// The pure parts of src/deploy: board resolution, linker script text, tool-output parsers and
// the cycle model. The tools themselves run in test/integration/firmware-deploy.test.ts.

describe('resolveBoard', () => {
  it('gives each core its flags and QEMU machine', () => {
    expect(resolveBoard('stm32f446re')).toMatchObject({
      qemuMachine: 'mps2-an386',
      cpuFlags: expect.arrayContaining(['-mcpu=cortex-m4', '-mfpu=fpv4-sp-d16', '-mfloat-abi=hard']),
    });
    expect(resolveBoard('stm32f767zi')).toMatchObject({
      qemuMachine: 'mps2-an500',
      cpuFlags: expect.arrayContaining(['-mcpu=cortex-m7', '-mfpu=fpv5-sp-d16']),
    });
  });
  it('names the known boards when the name is wrong', () => {
    expect(() => resolveBoard('stm32f44')).toThrow(UnknownBoardError);
    expect(() => resolveBoard('stm32f44')).toThrow(
      'unknown board "stm32f44": expected one of stm32f446re, stm32f746zg, stm32f767zi',
    );
  });
});

describe('renderLinkerScript', () => {
  it('uses the board sizes and reserves heap and stack as RAM sections', () => {
    const s = renderLinkerScript(resolveBoard('stm32f746zg'), { stackBytes: 4096, heapBytes: 0 });
    expect(s).toContain('FLASH (rx)  : ORIGIN = 0x00000000, LENGTH = 1048576');
    expect(s).toContain('RAM   (rwx) : ORIGIN = 0x20000000, LENGTH = 327680');
    expect(s).toMatch(/\.stack \(NOLOAD\)[\s\S]*\. = \. \+ 4096;[\s\S]*> RAM/);
  });
  it('rejects a stack that is not a positive multiple of 8', () => {
    expect(() => renderLinkerScript(resolveBoard('stm32f446re'), { ...DEFAULT_RESERVATION, stackBytes: 1001 })).toThrow(
      'stackBytes must be a multiple of 8',
    );
  });
});

describe('tool output parsers', () => {
  it('reads section sizes from arm-none-eabi-size -A -d', () => {
    const out = `firmware.elf  :\nsection        size        addr\n.text         30000           0\n.rodata        1200       30000\n.ARM.exidx        8       31200\n.init_array       4       31208\n.data          2488   536870912\n.bss            248   536873400\n.heap          8192   536873648\n.stack        16384   536881840\n.comment         30           0\nTotal         58554\n`;
    expect(parseSizeOutput(out)).toEqual({ text: 30012, rodata: 1200, data: 2488, bss: 248 });
  });
  it('keeps the largest overflow per region from ld', () => {
    const ld =
      "ld: firmware.elf section `.rodata' will not fit in region `FLASH'\nld: region `FLASH' overflowed by 102396 bytes\nld: region `RAM' overflowed by 12 bytes\nld: region `FLASH' overflowed by 90000 bytes\n";
    expect(parseRegionOverflows(ld)).toEqual([
      { region: 'FLASH', bytes: 102396 },
      { region: 'RAM', bytes: 12 },
    ]);
    expect(parseRegionOverflows('undefined reference to `main')).toEqual([]);
  });
  it('parses the plugin report and differences of snapshots', () => {
    const r = parsePluginReport('insns 100\nreads 20\nwrites 10\ntbs 30\nmark 0 5 1 1 2\nmark 1 50 9 4 12\n');
    expect(r.total).toEqual({ instructions: 100, memReads: 20, memWrites: 10, blocks: 30 });
    expect(r.snapshots.map((s) => s.marker)).toEqual([0, 1]);
    expect(countsBetween(r.snapshots[0]!.counts, r.snapshots[1]!.counts)).toEqual({
      instructions: 45,
      memReads: 8,
      memWrites: 3,
      blocks: 10,
    });
    expect(() => parsePluginReport('insns 1\n')).toThrow('no "reads" line');
  });
});

describe('estimateLatency', () => {
  const counts = { instructions: 1_000_000, memReads: 200_000, memWrites: 100_000, blocks: 50_000 };
  it('applies the Cortex-M4 model at the board clock', () => {
    const e = estimateLatency('stm32f446re', counts);
    expect(e.cycles).toBe(1_000_000 + 200_000 + 2 * 50_000);
    expect(e.ms).toBeCloseTo((1_300_000 / 180e6) * 1000, 9);
    expect(e.model).toBe('cortex-m4-cpi-v1: cycles = 1·I + 1·R + 0·W + 2·B @ 180 MHz');
  });
  it('applies the Cortex-M7 model, which needs fewer cycles for the same counts', () => {
    const m7 = estimateLatency('stm32f746zg', counts);
    const m = CPI_MODELS['cortex-m7'];
    expect(m7.cycles).toBe(Math.round(1_000_000 * m.perInstruction + 50_000 * m.perBlock));
    expect(m7.cycles).toBeLessThan(estimateLatency('stm32f446re', counts).cycles);
  });
});
