import { readdir } from 'node:fs/promises';
import { ToolMissingError } from '../../errors';
import { createLimiter } from '../limit';
import { ForkServers } from './fork-servers';
import { onceUntilFailure } from './memo';
import { checkExit, debianPackageVersion, runProcess, SETUP_HINT, type ProcessResult } from './run-process';
import { engineSourceFile } from './source-file';
import type { TtsEngine, TtsRequest } from './types';

/**
 * RHVoice (HTS statistical parametric synthesis, LGPL-2.1; Debian non-free rhvoice +
 * rhvoice-english): `RHVoice-test -p <voice> -r <rate%> -t <pitch%> -o out.wav`, text on
 * stdin, 24 kHz. English voices alan, bdl, clb, slt; evgeniy-eng and lyubov are
 * CC-BY-NC-ND (non-commercial) and accented, which is why configs exclude them by default.
 * -r and -t are percentages of the voice's default (100): 80 = slower, 120 = faster.
 *
 * Renders go through two fork servers (rhvoice_server.py: Debian's librhvoice5 loaded and
 * the engine created once, one forked child per word) that write the bytes `RHVoice-test`
 * writes (docs/results/2026-12-05-engine-cpu.md); `RHVoice-test` stays the definition of
 * "installed" and the reference (renderWithCommand).
 */
const VOICE_DIR = '/usr/share/RHVoice/voices';
const TIMEOUT_MS = 30_000;
const slots = createLimiter(2);

/** src/synth/engines/rhvoice_server.py. */
export const RHVOICE_SERVER_SCRIPT = engineSourceFile('rhvoice_server.py');
/** The server's answer when librhvoice5 is not installed. */
const LIB_MISSING = /missing: librhvoice5/;

const servers = new ForkServers({
  engine: 'rhvoice',
  script: RHVOICE_SERVER_SCRIPT,
  timeoutMs: TIMEOUT_MS,
  command: 'RHVoice-test',
  slots,
});

/** `-r` / `-t` percentages of a request, as RHVoice-test takes them. */
function percentages(req: TtsRequest): { rate: number; pitch: number } {
  return { rate: Math.round(100 * (req.params.rate ?? 1)), pitch: Math.round(100 * (req.params.pitch ?? 1)) };
}

function serverRequest(body: Record<string, unknown>): Promise<ProcessResult> {
  return servers.request(body).catch((e: Error) => {
    throw LIB_MISSING.test(e.message) ? new ToolMissingError('rhvoice (librhvoice5)', SETUP_HINT) : e;
  });
}

/** Process ids of the running fork servers (tests). */
export function rhvoiceServerPids(): number[] {
  return servers.pids();
}

/** Stop the fork servers (tests, engine close); the next request starts them again. */
export function closeRhvoiceServers(): void {
  servers.close();
}

/** The former path, one `RHVoice-test` process per word: the reference the servers are compared with. */
export async function renderWithCommand(req: TtsRequest, out: string): Promise<void> {
  const { rate, pitch } = percentages(req);
  const args = ['-p', req.voice, '-r', String(rate), '-t', String(pitch), '-o', out];
  const r = await slots(() =>
    runProcess('RHVoice-test', args, { timeoutMs: TIMEOUT_MS, input: `${req.text}\n`, engine: 'rhvoice' }),
  );
  checkExit(r, `RHVoice-test -p ${req.voice} "${req.text}"`);
}

export const rhvoiceEngine: TtsEngine = {
  id: 'rhvoice',
  family: 'hts',
  licence:
    'LGPL-2.1-or-later (engine); voices alan/bdl/clb/slt CC-BY-SA-4.0 or BSD-like, evgeniy-eng/lyubov CC-BY-NC-ND-4.0',
  version: onceUntilFailure(() => debianPackageVersion('rhvoice', 'rhvoice')),
  async voices() {
    await this.version();
    const names = await readdir(VOICE_DIR).catch(() => [] as string[]);
    if (names.length === 0) throw new ToolMissingError(`rhvoice voices (${VOICE_DIR})`, SETUP_HINT);
    return names.sort();
  },
  vary: (rng, r) => ({ rate: rng.uniform(r.rate[0], r.rate[1]), pitch: rng.uniform(r.pitch[0], r.pitch[1]) }),
  async renderToFile(req, out) {
    const { rate, pitch } = percentages(req);
    const r = await serverRequest({ op: 'render', voice: req.voice, rate, pitch, text: `${req.text}\n`, out });
    checkExit(r, `RHVoice-test -p ${req.voice} "${req.text}"`);
  },
  close() {
    closeRhvoiceServers();
    return Promise.resolve();
  },
};
