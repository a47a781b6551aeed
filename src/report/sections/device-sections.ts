import { histogram } from '../charts';
import { figure, formatBytes, formatValue, keyValueTable, table, type Cell } from '../html';
import type { ReportModel } from '../report-model';
import { externalMemoryTable } from './external-memory-table';
import { missing, present, type RenderedSection } from './section';
import { deployComparisonTable } from './deploy-comparison';

/** "Latency" (histograms of detection and on-board inference latency) and "Board". */

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function latencySection(model: ReportModel): Promise<RenderedSection> {
  const figures: string[] = [];
  const detection = model.evaluation?.latenciesMs ?? [];
  if (detection.length > 0) {
    const m = median(detection);
    const svg = await histogram({
      id: 'latency-detection',
      title: `Detection latency at the operating point (${detection.length} hits)`,
      xTitle: 'ms after the keyword ended',
      values: detection,
      marker: { value: m, label: `median ${formatValue(m)} ms` },
    });
    figures.push(figure(svg, 'Negative: the detector fired before the word was over.'));
  }
  const board = model.board?.latencySamplesMs ?? [];
  if (board.length > 0) {
    const m = median(board);
    const svg = await histogram({
      id: 'latency-board',
      title: `Inference latency on ${model.board?.board ?? 'the board'} (${board.length} runs)`,
      xTitle: 'ms per inference',
      values: board,
      marker: { value: m, label: `median ${formatValue(m)} ms` },
    });
    figures.push(figure(svg));
  }
  if (figures.length === 0) {
    const why =
      model.evaluation === undefined && model.board === undefined
        ? undefined
        : 'no per-detection or per-inference latencies in the inputs';
    return missing('latency', 'Latency', why);
  }
  return present('latency', 'Latency', `<div class="row">${figures.join('')}</div>`);
}

/** Field names that are byte counts get an exact + KiB rendering (flash/SRAM budgets). */
function boardCell(key: string, v: number | string | boolean | null): Cell {
  if (typeof v === 'number' && /bytes$/i.test(key)) return formatBytes(v);
  if (typeof v === 'number' && /ms$/i.test(key)) return `${formatValue(v)} ms`;
  return v;
}

export function boardSection(model: ReportModel): RenderedSection {
  const b = model.board;
  if (b === undefined) return missing('board', 'Board');
  // Whatever scalar fields the deploy stage wrote, in name order; arrays and objects are
  // charted (latencySamplesMs) or left out.
  const entries: [string, Cell][] = [['from stage', model.sources.board]];
  for (const key of Object.keys(b).sort()) {
    const v = b[key];
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || v === null)
      entries.push([key, boardCell(key, v)]);
  }
  return present(
    'board',
    'Board',
    deployComparisonTable(model) +
      keyValueTable(entries) +
      externalMemoryTable(b.externalMemory) +
      opsTable(b.ops) +
      streamTable(b.stream),
  );
}

/**
 * The deploy stage's streaming check (`stream` in the board artifact, src/deploy/stream-check.ts):
 * per-hop cost, duty cycle (MicroNets' real-time figure) and the detections device and host agreed on.
 */
function streamTable(stream: unknown): string {
  if (typeof stream !== 'object' || stream === null) return '';
  const s = stream as Record<string, unknown>;
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  const pct = (v: unknown): string => (typeof v === 'number' ? `${(v * 100).toFixed(2)} %` : '');
  const streams = Array.isArray(s.streams) ? (s.streams as Array<Record<string, unknown>>) : [];
  const events = streams.flatMap((x) =>
    (Array.isArray(x.events) ? (x.events as Array<Record<string, unknown>>) : []).map(
      (e) => `${String(e.label)} @ ${formatValue(num(e.timeSec))} s`,
    ),
  );
  const summary = keyValueTable(
    [
      [
        'streams (device = host, event for event)',
        streams
          .map(
            (x) =>
              `${String(x.id)} (${formatValue(num(x.durationSec))} s, ${formatValue(num(x.hops))} hops, ${formatValue(num(x.inferences))} inferences)`,
          )
          .join(', '),
      ],
      ['inference every', `${formatValue(num(s.every))} hop(s) of ${formatValue(num(s.hopMs))} ms`],
      ['front end, instructions per hop (median)', num(s.frontEndInstructionsPerHop)],
      ['instructions per inference (input from the ring, model, detector)', num(s.instructionsPerInference)],
      ['duty cycle (work per hop / hop length)', pct(s.dutyCycle)],
      ['busiest hop (front end + inference) / hop length', pct(s.peakHopLoad)],
      ['detections', events.length > 0 ? events.join(', ') : 'none'],
    ],
    'Streaming check (firmware/stream: one MFCC frame per hop, integer detector)',
  );
  return summary;
}

/** Per-op instruction counts from the deploy stage (QEMU plugin, markers after every op). */
function opsTable(ops: unknown): string {
  if (!Array.isArray(ops) || ops.length === 0) return '';
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  const rows = ops.map((o: Record<string, unknown>): Cell[] => {
    const perMac = num(o.instructionsPerMac);
    return [
      String(o.name ?? ''),
      String(o.kind ?? ''),
      num(o.bits),
      num(o.macs),
      num(o.instructions),
      perMac === null ? '' : perMac.toFixed(2),
    ];
  });
  return table(['op', 'kernel', 'weight bits', 'MACs', 'instructions', 'instructions / MAC'], rows, {
    numeric: [2, 3, 4, 5],
    caption: 'Per op on the board (instructions counted by the QEMU plugin)',
  });
}
