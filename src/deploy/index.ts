/** Firmware build / run / measure library used by the `deploy` stage (docs/architecture.md#boards, docs/firmware.md). */
export { resolveBoard } from './board-target';
export type { BoardTarget } from './board-target';
export { buildFirmware } from './build-firmware';
export type { BuildFirmwareOptions, FirmwareBuild, OptimizeLevel, PathLabel } from './build-firmware';
export { runOnQemu } from './run-on-qemu';
export type { MarkerHit, QemuRun, RunOnQemuOptions } from './run-on-qemu';
export { sramUsage } from './sram-usage';
export type { SramUsage } from './sram-usage';
export { estimateLatency, CPI_MODELS } from './cycle-model';
export type { CpiModel, LatencyEstimate } from './cycle-model';
export { countsBetween } from './plugin-report';
export type { ExecutionCounts } from './plugin-report';
export { ensureInsnPlugin } from './insn-plugin';
export { renderLinkerScript, DEFAULT_RESERVATION } from './linker-script';
export type { MemoryReservation } from './linker-script';
export type { SectionSizes } from './section-sizes';
export { firmwareToolVersions } from './tool-versions';
export type { FirmwareToolVersions } from './tool-versions';
export { FIRMWARE_DIR, FIRMWARE_INCLUDE_DIR, kernelDir } from './firmware-paths';
export {
  FirmwareBuildError,
  FirmwareDoesNotFitError,
  FirmwareTimeoutError,
  MarkerNotFoundError,
  UnknownBoardError,
} from './errors';
export { firmwareBreakdown } from './firmware-breakdown';
export type { FirmwareBreakdown, Part, PartSizes } from './firmware-breakdown';
