import type { PipelineProgress, StageProgress, StageState } from '../../workflows/types';

/** Live progress of the running stages, from activity heartbeats. */
export interface LiveProgress {
  readonly progress?: StageProgress;
  readonly attempt?: number;
}

const SPIN = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MARK: Record<StageState['status'], string> = {
  pending: '·',
  running: '',
  cached: '✓',
  ran: '✓',
  failed: '✗',
  skipped: '-',
};

function fmtDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** "[#####-----] 45% 1620/3600 clips epoch 3/10 ETA 12s" */
export function describeProgress(p: StageProgress | undefined, runningMs: number, width = 20): string {
  if (!p || p.total <= 0) return 'running';
  const frac = Math.min(1, Math.max(0, p.done / p.total));
  const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '-');
  const eta =
    p.done > 0 && frac < 1 && runningMs >= 1000 ? ` ETA ${fmtDuration((runningMs * (p.total - p.done)) / p.done)}` : '';
  const epoch = p.epoch !== undefined ? ` epoch ${p.epoch}${p.epochs ? `/${p.epochs}` : ''}` : '';
  return `[${bar}] ${Math.floor(frac * 100)}% ${p.done}/${p.total} ${p.unit}${epoch}${p.message ? ` ${p.message}` : ''}${eta}`;
}

function stageLine(
  s: StageState,
  live: LiveProgress | undefined,
  runningMs: number,
  tick: number,
  nameWidth: number,
  kindWidth: number,
): string {
  const mark = s.status === 'running' ? SPIN[tick % SPIN.length] : MARK[s.status];
  const head = `${mark} ${s.name.padEnd(nameWidth)}  ${s.kind.padEnd(kindWidth)}  ${s.status.padEnd(7)}`;
  switch (s.status) {
    case 'running':
      return `${head}  ${describeProgress(live?.progress, runningMs)}${live?.attempt && live.attempt > 1 ? ` (attempt ${live.attempt})` : ''}`;
    case 'ran':
    case 'cached':
      return `${head}  ${fmtDuration(s.durationMs ?? 0).padStart(6)}  ${s.summary ?? ''}`;
    case 'failed':
    case 'skipped':
      return `${head}  ${s.error ?? ''}`;
    default:
      return head;
  }
}

/**
 * Renders pipeline progress: on a TTY a block redrawn in place; otherwise plain lines,
 * one per state change plus a progress line at most every `plainIntervalMs`.
 */
export class ProgressView {
  private drawnLines = 0;
  private tick = 0;
  private readonly lastStatus = new Map<string, string>();
  private readonly runningSince = new Map<string, number>();
  private readonly lastPlain = new Map<string, number>();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly tty: boolean = Boolean(out.isTTY),
    private readonly plainIntervalMs = 10_000,
  ) {}

  update(p: PipelineProgress, live: ReadonlyMap<string, LiveProgress>, now = Date.now()): void {
    this.tick++;
    for (const s of p.stages) {
      if (s.status === 'running' && !this.runningSince.has(s.name)) this.runningSince.set(s.name, now);
    }
    const nameWidth = Math.max(...p.stages.map((s) => s.name.length));
    const kindWidth = Math.max(...p.stages.map((s) => s.kind.length));
    const runningMs = (s: StageState): number => now - (this.runningSince.get(s.name) ?? now);
    if (this.tty) {
      const lines = p.stages.map((s) => stageLine(s, live.get(s.name), runningMs(s), this.tick, nameWidth, kindWidth));
      let buf = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : '';
      for (const l of lines) buf += `\x1b[2K${l.slice(0, (this.out.columns || 160) - 1)}\n`;
      this.out.write(buf);
      this.drawnLines = lines.length;
      return;
    }
    for (const s of p.stages) {
      const changed = this.lastStatus.get(s.name) !== s.status;
      const last = this.lastPlain.get(s.name) ?? 0;
      const progressDue = s.status === 'running' && live.get(s.name)?.progress && now - last >= this.plainIntervalMs;
      if (changed && s.status === 'pending') {
        this.lastStatus.set(s.name, s.status);
        continue;
      }
      if (changed || progressDue) {
        this.out.write(
          `[${s.name}] ${stageLine(s, live.get(s.name), runningMs(s), 0, 0, 0).replace(/^\S+\s+\S+\s+/, '')}\n`,
        );
        this.lastStatus.set(s.name, s.status);
        this.lastPlain.set(s.name, now);
      }
    }
  }
}
