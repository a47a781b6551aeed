import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForkServers } from './engines/fork-servers';
import { onceUntilFailure } from './engines/memo';
import { runProcess, type ProcessResult } from './engines/run-process';
import { engineSourceFile } from './engines/source-file';
import { readWav, type WavData } from '../audio/wav';
import { createLimiter, type Limiter } from './limit';

/**
 * The espeak-ng text-to-speech engine (docs/architecture.md#components-embedded-and-scaled-out), run as a process:
 * `espeak-ng -v <voice>[+variant] -p <pitch> -s <wpm> -a <amplitude> -w <out.wav> -- <text>`.
 *
 * Determinism: espeak-ng 1.51 writes byte-identical WAVs for identical arguments (checked
 * by rendering the same word twice and comparing bytes; test/unit/synth/espeak.test.ts
 * keeps checking it), which is what lets synth-kws promise identical datasets for
 * identical configs. Its output is 16-bit mono at 22050 Hz with digital silence after the
 * word. A different espeak-ng version may render differently, so the version is part of
 * the stage's cache key (toolVersions).
 */

const ESPEAK = 'espeak-ng';

/** At most two espeak-ng processes at once: one per core on the 2-core reference machine. */
const espeakSlots: Limiter = createLimiter(2);

export interface EspeakRequest {
  readonly text: string;
  /** `language[+variant]`, e.g. `en-us+f3`. */
  readonly voice: string;
  /** 0–99, espeak-ng's default 50. */
  readonly pitch: number;
  /** Words per minute, 80–450; default 175. */
  readonly speed: number;
  /** 0–200, default 100. */
  readonly amplitude?: number;
}

/** Installed voices usable with `-v`: base languages and `+variant` names. */
export interface EspeakVoices {
  readonly languages: readonly string[];
  readonly variants: readonly string[];
}

/** A word renders in well under a second; a hung espeak-ng is killed after this. */
const ESPEAK_TIMEOUT_MS = 30_000;

function run(args: readonly string[]): Promise<ProcessResult> {
  return runProcess(ESPEAK, args, { timeoutMs: ESPEAK_TIMEOUT_MS });
}

function check(r: ProcessResult, what: string): string {
  // espeak-ng reports some failures (unknown voice) on stderr; any stderr text is a failure,
  // except MBROLA's notes on a file it did write: "Saturation on <diphone>" (a few clipped
  // samples) and "Warning: p-i unknown, replaced with _-_" (a diphone the voice lacks, spoken
  // as a short silence; the accented voices lack some English ones). Both exit 0.
  const stderr = r.stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^mbrola: (Saturation on |Warning: \S+ unknown, replaced with )/.test(l))
    .join('\n');
  if (r.code !== 0 || stderr !== '') {
    throw new Error(`${ESPEAK} ${what} failed (exit ${r.code}): ${stderr || r.stdout.trim()}`);
  }
  return r.stdout;
}

/** The espeak-ng version, e.g. `1.51` (from `espeak-ng --version`). Throws ToolMissingError. */
export const espeakVersion: () => Promise<string> = onceUntilFailure(() =>
  run(['--version']).then((r) => {
    const out = check(r, '--version');
    const m = /text-to-speech:\s*(\S+)/.exec(out);
    return m ? m[1]! : out.trim().split('\n')[0]!;
  }),
);

/**
 * Parse `espeak-ng --voices` table rows: `Pty Language Age/Gender VoiceName File Other…`.
 * Returns [language, file] pairs.
 */
function parseVoiceTable(text: string): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 5) rows.push([cols[1]!, cols[4]!]);
  }
  return rows;
}

/**
 * Installed voices. MBROLA voices (`mb/…` files) are listed by espeak-ng even when the
 * mbrola binary is absent, and then fail at render time, so they are left out. Variants
 * are the `!v/<name>` files; an unknown variant is silently ignored by espeak-ng (it
 * renders the base voice), which is why configs are checked against this list.
 */
export const listEspeakVoices: () => Promise<EspeakVoices> = onceUntilFailure(() =>
  Promise.all([run(['--voices']), run(['--voices=variant'])]).then(([all, vars]) => {
    const languages = new Set<string>();
    for (const [lang, file] of parseVoiceTable(check(all, '--voices'))) {
      if (!file.startsWith('mb/')) languages.add(lang);
    }
    const variants = new Set<string>();
    for (const [, file] of parseVoiceTable(check(vars, '--voices=variant'))) {
      if (file.startsWith('!v/')) variants.add(file.slice(3));
    }
    return { languages: [...languages].sort(), variants: [...variants].sort() };
  }),
);

/** True if `voice` (`lang` or `lang+variant`) can be rendered with the installed data. */
export function isVoiceAvailable(voice: string, installed: EspeakVoices): boolean {
  const [lang, variant, ...rest] = voice.split('+');
  if (rest.length > 0 || lang === undefined || !installed.languages.includes(lang)) return false;
  return variant === undefined || installed.variants.includes(variant);
}

/** src/synth/engines/espeak_server.py. */
export const ESPEAK_SERVER_SCRIPT = engineSourceFile('espeak_server.py');

/**
 * Two fork servers (espeak_server.py, engines/fork-servers.ts), one per core like the two
 * process slots they replace: libespeak-ng loaded and initialised once, one forked child per
 * word, the same bytes as the `espeak-ng` command (docs/results/2026-12-05-engine-cpu.md).
 */
const servers = new ForkServers({
  engine: ESPEAK,
  script: ESPEAK_SERVER_SCRIPT,
  timeoutMs: ESPEAK_TIMEOUT_MS,
  command: ESPEAK, // a missing espeak-ng is a ToolMissingError naming it, as the command's ENOENT was
  slots: espeakSlots,
});

/** Run one request on an idle server; the answer carries the child's exit code and output. */
export function espeakServerRequest(body: Record<string, unknown>): Promise<ProcessResult> {
  return servers.request(body);
}

/** Process ids of the running fork servers (tests). */
export function espeakServerPids(): number[] {
  return servers.pids();
}

/** Stop the fork servers (tests, engine close); the next request starts them again. */
export function closeEspeakServers(): void {
  servers.close();
}

/** Render `req` to a WAV file at `outPath` (22050 Hz PCM16 mono; MBROLA voices at their own rate). */
export async function renderToFile(req: EspeakRequest, outPath: string): Promise<void> {
  const r = await espeakServerRequest({
    op: 'render',
    voice: req.voice,
    pitch: Math.round(req.pitch),
    speed: Math.round(req.speed),
    amplitude: Math.round(req.amplitude ?? 100),
    text: req.text,
    out: outPath,
  });
  check(r, `-v ${req.voice} "${req.text}"`);
}

/**
 * The former path, one `espeak-ng` process per word: what the render cache's espeak-ng and
 * MBROLA renders were made with, kept as the reference the fork servers are compared with.
 */
export async function renderToFileWithCommand(req: EspeakRequest, outPath: string): Promise<void> {
  const args = [
    '-v',
    req.voice,
    '-p',
    String(Math.round(req.pitch)),
    '-s',
    String(Math.round(req.speed)),
    '-a',
    String(Math.round(req.amplitude ?? 100)),
    '-w',
    outPath,
    '--',
    req.text,
  ];
  check(await espeakSlots(() => run(args)), `-v ${req.voice} "${req.text}"`);
}

/** Render `req` and decode it (through a temporary file, removed afterwards). */
export async function renderWord(req: EspeakRequest): Promise<WavData> {
  const dir = await mkdtemp(join(tmpdir(), 'tinyops-espeak-'));
  try {
    const file = join(dir, 'word.wav');
    await renderToFile(req, file);
    return readWav(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
