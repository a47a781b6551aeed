/**
 * External memories a board profile can use when a model does not fit its internal SRAM or
 * flash (TinyOps, Sadiq et al., §IV and Table I: the F469 and F746 Discovery boards carry
 * 8 MB SDRAM on the FMC and 8 MB NOR flash on the QSPI interface). Sizes are the paper's
 * Table I; bandwidths and latencies are derived from the STM32F7 reference manual / datasheet
 * interface clocks and the memory parts' datasheets, as stated on each entry. They feed the
 * latency model (src/codegen/ext-mem-latency.ts), never the emulator, which has no timing.
 */
export type ExternalMemoryKind = 'sdram' | 'qspi-flash';

export interface ExternalMemory {
  readonly kind: ExternalMemoryKind;
  /** Usable bytes. */
  readonly bytes: number;
  /** Sustained burst bandwidth of a DMA transfer, bytes per second. */
  readonly bandwidthBytesPerSec: number;
  /**
   * Fixed cost of one transfer in ns: first-access latency of the memory plus programming the
   * DMA stream and taking its completion interrupt (TinyOps §IV-A names DMA initialisation and
   * interrupt handling as the per-partition overheads).
   */
  readonly accessLatencyNs: number;
  /** Where the numbers come from. */
  readonly source: string;
}

const MB = 1024 * 1024;

/**
 * 16-bit SDRAM on the FMC at HCLK/2 = 108 MHz (STM32F746 datasheet DS10916 §3.12 FMC: SDRAM
 * clock HCLK/2; STM32F746G-DISCO user manual UM1907: MT48LC4M32B2 wired 16 bits wide, 8 MB
 * usable): 2 B × 108 MHz = 216 MB/s peak; 80 % of it sustained for DMA bursts (row changes,
 * refresh) = 172.8 MB/s. Latency: tRCD + CAS 2 = 4 SDRAM clocks (37 ns) plus ≈ 0.5 µs to
 * program a DMA stream and service its interrupt (≈ 100 cycles at 216 MHz; a modelled figure).
 */
export const F7_DISCO_SDRAM: ExternalMemory = {
  kind: 'sdram',
  bytes: 8 * MB,
  bandwidthBytesPerSec: 172.8e6,
  accessLatencyNs: 537,
  source:
    'TinyOps Table I (8 MB FMC SDRAM); DS10916 §3.12 (FMC SDRAM at HCLK/2 = 108 MHz), UM1907 (16-bit bus): 216 MB/s peak, 80 % sustained',
};

/**
 * Quad-SPI NOR flash, memory-mapped (STM32F746 datasheet DS10916 §3.13 QUADSPI up to 108 MHz;
 * N25Q128A: quad I/O fast read, 10 dummy clocks): 4 bits × 108 MHz = 54 MB/s. Latency:
 * instruction + 24-bit address on 4 lines + 10 dummy = 18 clocks (167 ns) plus the same DMA
 * set-up as above.
 */
export const F7_DISCO_QSPI: ExternalMemory = {
  kind: 'qspi-flash',
  bytes: 8 * MB,
  bandwidthBytesPerSec: 54e6,
  accessLatencyNs: 667,
  source: 'TinyOps Table I (8 MB O/QSPI flash); DS10916 §3.13 (QUADSPI 108 MHz, 4 lines): 54 MB/s',
};

/** What the partition planner places where: activations in RAM-like memory, weights in flash-like. */
export function activationMemory(ext: readonly ExternalMemory[] | undefined): ExternalMemory | undefined {
  return ext?.find((m) => m.kind === 'sdram');
}

export function weightMemory(ext: readonly ExternalMemory[] | undefined): ExternalMemory | undefined {
  return ext?.find((m) => m.kind === 'qspi-flash') ?? ext?.find((m) => m.kind === 'sdram');
}

/**
 * "256K", "1M", "65536" or a number → bytes (the `sramBudget:` key). Returns undefined for
 * anything else, so the caller's zod schema can name the field and the value.
 */
export function parseByteSize(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : undefined;
  const m = /^\s*(\d+)\s*([KkMm])?[Bb]?\s*$/.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]) * (m[2] === undefined ? 1 : /[Kk]/.test(m[2]) ? 1024 : MB);
  return n > 0 ? n : undefined;
}
