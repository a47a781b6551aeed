import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ToolMissingError } from '../../errors';
import { SETUP_HINT } from './run-process';

/**
 * Long-lived Festival processes (`festival --pipe`, Scheme on stdin) that render many words
 * each, instead of one `text2wave` process per word (≈ 0.3 CPU s of Scheme start-up, init
 * files and voice load per call; docs/results/2026-12-05-engine-cpu.md).
 *
 * Byte-identical to `text2wave -eval '(voice_V)' -eval "(Parameter.set 'Duration_Stretch S)"
 * -o OUT` with the word on stdin: the prelude below is text2wave's own output path
 * (/usr/bin/text2wave: `tts_hooks` = utt.synth then save_record_wave_fp, a RIFF header with 0
 * samples, the data, then the header rewritten with the total; no resampling, volume 1.0), and
 * each request selects its voice and sets Duration_Stretch again before `tts_file`, as the
 * -eval options do, on a text file holding exactly what text2wave read from stdin. The word
 * is read from a file whose name matches no `auto-text-mode-alist` entry, as `-` does not.
 * test/unit/synth/engines/festival-worker.test.ts and test/bench/engine-cpu compare the bytes.
 *
 * Each request ends with a marker line on stderr (`tinyops-ok <id>`, or `tinyops-error <id>`
 * after a Scheme error, which `unwind-protect` catches), so one failed word does not end the
 * process. A request with no answer in `timeoutMs` kills the process (the next request starts
 * a fresh one). Processes are unref'd (an idle one does not keep Node alive), killed when this
 * process exits, and exit by themselves at end of stdin if this process dies without the hook.
 */

const PRELUDE = `
(gc-status nil)
(defvar tinyops_total 0)
(defvar tinyops_fp nil)
(defvar tinyops_utt nil)
(define (tinyops_save utt)
  (if (eq? tinyops_total 0)
      (wave.save.header tinyops_fp (utt.wave utt) 'riff nil (list (list "numsamples" 0))))
  (set! tinyops_total (+ tinyops_total (get_param 'num_samples (wave.info (utt.wave utt)) 0)))
  (wave.save.data.fp (utt.wave utt) tinyops_fp 'riff nil)
  (set! tinyops_utt utt))
(set! tts_hooks (list utt.synth tinyops_save))
(define (tinyops_render id textfile outfile)
  (set! tinyops_total 0)
  (set! tinyops_utt nil)
  (set! tinyops_fp (fopen outfile "wb"))
  (tts_file textfile (tts_find_text_mode textfile auto-text-mode-alist))
  (fseek tinyops_fp 0 0)
  (wave.save.header tinyops_fp (utt.wave tinyops_utt) 'riff nil (list (list "numsamples" tinyops_total)))
  (fclose tinyops_fp)
  (set! tinyops_fp nil)
  (format stderr "tinyops-ok %d\\n" id))
(define (tinyops_failed id)
  (if tinyops_fp (begin (fclose tinyops_fp) (set! tinyops_fp nil)))
  (format stderr "tinyops-error %d\\n" id))
`;

/** A Scheme string literal (paths come from our own temporary and cache directories). */
function schemeString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface FestivalRender {
  /** Festival voice name, called as `(voice_<name>)`. */
  readonly voice: string;
  /** Duration_Stretch, as the text that text2wave's -eval option would carry (`0.9190`). */
  readonly stretch: string;
  readonly text: string;
  readonly out: string;
}

interface Pending {
  resolve(): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

const live = new Set<FestivalWorker>();
process.once('exit', () => {
  for (const w of live) w.kill();
});

export class FestivalWorker {
  private child: ChildProcessWithoutNullStreams | undefined;
  private starting: Promise<ChildProcessWithoutNullStreams> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private stderrTail = '';
  private dir: string | undefined;

  constructor(
    private readonly timeoutMs = 60_000,
    /** The command (tests point it at a missing one). */
    private readonly command = 'festival',
  ) {}

  /** The process id while one runs (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private start(): Promise<ChildProcessWithoutNullStreams> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.command, ['--pipe'], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
      child.once('error', (e: NodeJS.ErrnoException) => {
        reject(e.code === 'ENOENT' ? new ToolMissingError(`festival (${this.command})`, SETUP_HINT) : e);
      });
      child.once('spawn', () => {
        this.dir ??= mkdtempSync(join(tmpdir(), 'tinyops-festival-'));
        this.stderrTail = '';
        child.stdout.resume(); // festival prints nothing there in pipe mode; drain it anyway
        createInterface({ input: child.stderr }).on('line', (line) => {
          const m = /^tinyops-(ok|error) (\d+)$/.exec(line);
          if (!m) {
            this.stderrTail = (this.stderrTail + line + '\n').slice(-2000);
            return;
          }
          const p = this.pending.get(Number(m[2]));
          if (!p) return;
          this.pending.delete(Number(m[2]));
          clearTimeout(p.timer);
          if (m[1] === 'ok') p.resolve();
          else p.reject(new Error(`festival: ${this.stderrTail.trim().split('\n').slice(-3).join(' | ')}`));
          this.stderrTail = '';
        });
        child.on('exit', (code, signal) => {
          if (this.child === child) this.child = undefined;
          live.delete(this);
          const err = new Error(`festival exited (${signal ?? `code ${code}`}): ${this.stderrTail.trim().slice(-800)}`);
          for (const [id, p] of this.pending) {
            clearTimeout(p.timer);
            p.reject(err);
            this.pending.delete(id);
          }
        });
        child.stdin.on('error', () => undefined);
        child.stdin.write(PRELUDE);
        child.unref();
        for (const s of [child.stdin, child.stdout, child.stderr] as Array<{ unref?: () => void }>) s.unref?.();
        this.child = child;
        live.add(this);
        resolve(child);
      });
    });
  }

  private ensure(): Promise<ChildProcessWithoutNullStreams> {
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Render one word into `r.out` (one request at a time per worker). */
  render(r: FestivalRender): Promise<void> {
    if (!/^[A-Za-z0-9_]+$/.test(r.voice)) return Promise.reject(new Error(`festival: bad voice name "${r.voice}"`));
    if (!/^[0-9.]+$/.test(r.stretch)) return Promise.reject(new Error(`festival: bad stretch "${r.stretch}"`));
    const run = async (): Promise<void> => {
      const child = await this.ensure();
      const id = this.nextId++;
      const textFile = join(this.dir!, `text-${id}`);
      await writeFile(textFile, `${r.text}\n`);
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.pending.delete(id);
            reject(new Error(`festival (voice_${r.voice}) "${r.text}" timed out after ${this.timeoutMs} ms`));
            this.kill(); // a hung synthesis: the next request starts a fresh process
          }, this.timeoutMs);
          this.pending.set(id, { resolve, reject, timer });
          child.stdin.write(
            `(unwind-protect (begin (voice_${r.voice}) (Parameter.set 'Duration_Stretch ${r.stretch}) ` +
              `(tinyops_render ${id} ${schemeString(textFile)} ${schemeString(r.out)})) (tinyops_failed ${id}))\n`,
          );
        });
      } finally {
        await unlink(textFile).catch(() => undefined);
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  kill(): void {
    const c = this.child;
    this.child = undefined;
    live.delete(this);
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** At most `size` workers; a request goes to an idle one (FIFO when all are busy). */
export class FestivalPool {
  private readonly workers: FestivalWorker[];
  private readonly idle: FestivalWorker[];
  private readonly waiting: Array<(w: FestivalWorker) => void> = [];

  constructor(size: number, make: () => FestivalWorker = () => new FestivalWorker()) {
    this.workers = Array.from({ length: size }, make);
    this.idle = [...this.workers];
  }

  async render(r: FestivalRender): Promise<void> {
    const w = this.idle.pop() ?? (await new Promise<FestivalWorker>((resolve) => this.waiting.push(resolve)));
    try {
      await w.render(r);
    } finally {
      const next = this.waiting.shift();
      if (next) next(w);
      else this.idle.push(w);
    }
  }

  close(): void {
    for (const w of this.workers) w.kill();
  }
}
