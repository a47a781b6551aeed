import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LongLivedChild, type ChildCommand } from './long-lived-child';

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
 * process. The rest (start on demand, timeouts, the exit hook, stderr in error messages) is
 * long-lived-child.ts; a process exits by itself at the end of its stdin if this one dies.
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

/** One `festival --pipe` process (long-lived-child.ts: the lifecycle), rendering one word at a time. */
export class FestivalWorker extends LongLivedChild<void> {
  private dir: string | undefined;
  private texts = 0;

  constructor(
    timeoutMs = 60_000,
    /** The command (tests point it at a missing one). */
    private readonly festivalCommand = 'festival',
  ) {
    super({ label: 'festival', timeoutMs });
  }

  protected command(): ChildCommand {
    return { command: this.festivalCommand, args: ['--pipe'], tool: `festival (${this.festivalCommand})` };
  }

  protected attach(child: ChildProcessWithoutNullStreams): void {
    child.stdout.resume(); // festival prints nothing there in pipe mode; drain it anyway
    createInterface({ input: child.stderr }).on('line', (line) => {
      const m = /^tinyops-(ok|error) (\d+)$/.exec(line);
      if (!m) {
        this.noteStderr(line + '\n');
        return;
      }
      const failure = `festival: ${this.stderrTail.trim().split('\n').slice(-3).join(' | ')}`;
      this.answer(Number(m[2]), m[1] === 'ok' ? undefined : new Error(failure));
      this.stderrTail = ''; // what the next request prints is its own
    });
    child.stdin.write(PRELUDE);
  }

  /** Render one word into `r.out` (one request at a time per worker). */
  render(r: FestivalRender): Promise<void> {
    if (!/^[A-Za-z0-9_]+$/.test(r.voice)) return Promise.reject(new Error(`festival: bad voice name "${r.voice}"`));
    if (!/^[0-9.]+$/.test(r.stretch)) return Promise.reject(new Error(`festival: bad stretch "${r.stretch}"`));
    return this.serialized(async () => {
      this.dir ??= mkdtempSync(join(tmpdir(), 'tinyops-festival-'));
      const textFile = join(this.dir, `text-${this.texts++}`);
      await writeFile(textFile, `${r.text}\n`);
      try {
        await this.exchange(
          (id) =>
            `(unwind-protect (begin (voice_${r.voice}) (Parameter.set 'Duration_Stretch ${r.stretch}) ` +
            `(tinyops_render ${id} ${schemeString(textFile)} ${schemeString(r.out)})) (tinyops_failed ${id}))\n`,
          `(voice_${r.voice}) "${r.text}"`,
        );
      } finally {
        await unlink(textFile).catch(() => undefined);
      }
    });
  }

  override kill(): void {
    super.kill();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
