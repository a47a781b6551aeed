import { formatBytes, table, type Cell } from '../html';
import type { ReportModel } from '../report-model';

/**
 * Deploys side by side (e.g. the int8 model and the 4-bit hybrid on the same board, issue #13):
 * what each measured on the board — model flash and SRAM, instructions per inference and per
 * MAC, latency — and the integer test accuracy of the model it deployed (the deploy stage copies
 * it from its quantize stage). Ratios are against the first deploy in `needs:` order. Empty
 * unless at least two deploy stages are inputs.
 */
export function deployComparisonTable(model: ReportModel): string {
  const deploys = model.upstream.filter(
    (u) => u.artifacts.some((a) => a.name === 'board') && typeof u.metrics.instructionsPerInference === 'number',
  );
  if (deploys.length < 2) return '';
  const num = (m: Readonly<Record<string, unknown>>, k: string): number | undefined =>
    typeof m[k] === 'number' ? (m[k] as number) : undefined;
  const base = deploys[0]!.metrics;
  const ratio = (v: number | undefined, k: string): string | null => {
    const b = num(base, k);
    return v === undefined || b === undefined || b === 0 ? null : `${(v / b).toFixed(3)}×`;
  };
  const rows: Cell[][] = deploys.map((u) => {
    const m = u.metrics;
    const flash = num(m, 'modelFlashBytes');
    const instr = num(m, 'instructionsPerInference');
    const acc = num(m, 'intAccuracy');
    const board = num(m, 'boardAccuracy');
    const perMac = num(m, 'instructionsPerMac');
    const bytes = (v: number | undefined): Cell => (v === undefined ? null : formatBytes(v));
    return [
      u.stage,
      bytes(num(m, 'weightBytes')),
      bytes(flash),
      ratio(flash, 'modelFlashBytes'),
      bytes(num(m, 'modelSramBytes')),
      instr ?? null,
      perMac === undefined ? null : perMac.toFixed(2),
      ratio(instr, 'instructionsPerInference'),
      acc === undefined ? null : `${(acc * 100).toFixed(1)}%`,
      board === undefined ? null : `${(board * 100).toFixed(1)}%`,
    ];
  });
  return table(
    [
      'deploy (stage)',
      'weights',
      'model flash',
      `vs ${deploys[0]!.stage}`,
      'model SRAM',
      'instructions / inference',
      'instructions / MAC',
      `vs ${deploys[0]!.stage}`,
      'integer test accuracy',
      'board vectors correct',
    ],
    rows,
    {
      caption:
        "Deploys side by side (measured on the emulated board; integer accuracy from each deploy's quantize stage)",
      numeric: [1, 2, 3, 4, 5, 6, 7, 8, 9],
    },
  );
}
