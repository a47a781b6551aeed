import { checkTransfers, parseExternalMemoryLine, TransferCountError } from '../../../src/deploy/external-memory-run';
import { renderLinkerScript, resolveBoard } from '../../../src/deploy';

describe('external memory on the emulated board', () => {
  it("the F7 boards get EXTRAM / EXTFLASH regions in the QEMU machine's second RAM; boards without external memory do not", () => {
    const f7 = renderLinkerScript(resolveBoard('stm32f746zg'), { stackBytes: 4096, heapBytes: 0 });
    expect(f7).toContain('EXTRAM   (rwx) : ORIGIN = 0x60000000, LENGTH = 8388608');
    expect(f7).toContain('EXTFLASH (r)   : ORIGIN = 0x60800000, LENGTH = 8388608');
    expect(f7).toMatch(/\.tops_extram \(NOLOAD\) :[\s\S]*\} > EXTRAM/);
    expect(f7).toMatch(/\.tops_extflash :[\s\S]*\} > EXTFLASH/);
    const f4 = renderLinkerScript(resolveBoard('stm32f446re'), { stackBytes: 4096, heapBytes: 0 });
    expect(f4).not.toContain('EXTRAM');
    expect(resolveBoard('stm32f446re').externalOrigin).toBeUndefined();
  });

  it('reads the harness counters per inference and requires the planned transfers, bytes and parts', () => {
    const m = parseExternalMemoryLine('vectors 4\nextmem transfers 40 bytes 4000 overlapped 12 kernels 20\nok\n', 4);
    expect(m).toEqual({
      transfersPerInference: 10,
      bytesPerInference: 1000,
      overlappedPerInference: 3,
      kernelCallsPerInference: 5,
    });
    const plan = {
      sramBudgetBytes: 2048,
      bytes: 3000,
      fastBytes: 2000,
      parts: 5,
      transfers: 10,
      bytesIn: 600,
      bytesOut: 400,
    };
    expect(() => checkTransfers(plan, m)).not.toThrow();
    expect(() => checkTransfers({ ...plan, transfers: 11 }, m)).toThrow(TransferCountError);
    expect(() => checkTransfers({ ...plan, transfers: 11 }, m)).toThrow(
      'the board ran 10 transfers (1000 B) and 5 kernel calls per inference; the partition plan has 11 (1000 B) and 5 parts',
    );
    expect(() => parseExternalMemoryLine('ok\n', 1)).toThrow('printed no "extmem transfers" line');
  });
});
