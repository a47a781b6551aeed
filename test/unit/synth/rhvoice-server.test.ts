import { join } from 'node:path';
import {
  closeRhvoiceServers,
  renderWithCommand,
  rhvoiceEngine,
  rhvoiceServerPids,
} from '../../../src/synth/engines/rhvoice';
import type { TtsRequest } from '../../../src/synth/engines/types';
import {
  expectCloseEndsServers,
  expectFailureLeavesServersUsable,
  expectServerBytesEqualCommand,
  orphansExit,
  printedByFreshNode,
  scratchDir,
} from '../../helpers/engine-servers';

/**
 * The RHVoice fork servers (src/synth/engines/rhvoice_server.py) against the former
 * one-`RHVoice-test`-process-per-word path, with the real RHVoice: the same WAV bytes for the
 * four English voices at default and varied rate/pitch (a voice's first render after the
 * server's warm-up and a later one), an unknown voice that rejects and leaves the server
 * usable, close() ending the servers, a missing RHVoice-test or librhvoice5 named with the
 * setup hint, and a server exiting when its parent is killed.
 */

const scratch = scratchDir('rhvoice-server-test-', closeRhvoiceServers);
const renderWithServer = (r: TtsRequest, out: string): Promise<void> => rhvoiceEngine.renderToFile(r, out);

const req = (voice: string, text: string, rate = 1, pitch = 1): TtsRequest => ({
  engine: 'rhvoice',
  voice,
  text,
  params: { rate, pitch },
});

const REQUESTS: TtsRequest[] = [
  req('slt', 'yes'),
  req('alan', 'forward', 0.9104232332552783, 1.1030342073412613),
  req('bdl', 'nine', 0.945568060723599, 0.9439245883328841),
  req('clb', 'marvin', 1.17, 0.83),
  req('slt', 'seven', 0.8, 1.2),
  req('alan', 'forward', 0.9104232332552783, 1.1030342073412613), // again: nothing carried over
];

test('the fork servers write the bytes RHVoice-test writes', async () => {
  await expectServerBytesEqualCommand(REQUESTS, scratch.path, renderWithCommand, renderWithServer);
}, 60_000);

test('an unknown voice rejects and the servers go on', async () => {
  await expectFailureLeavesServersUsable(
    scratch.path,
    () => renderWithServer(req('xx-nonexistent', 'yes'), join(scratch.path, 'bad.wav')),
    /RHVoice-test -p xx-nonexistent/,
    (out) => renderWithServer(REQUESTS[0]!, out),
    rhvoiceServerPids,
  );
}, 30_000);

test('close() ends the servers', async () => {
  await expectCloseEndsServers(
    () => Promise.all([0, 1].map((i) => renderWithServer(REQUESTS[0]!, join(scratch.path, `c${i}.wav`)))),
    rhvoiceServerPids,
    () => rhvoiceEngine.close!(),
  );
}, 30_000);

const MODULE = join(__dirname, '..', '..', '..', 'src', 'synth', 'engines', 'rhvoice.js');

/** Render one word in a fresh Node process with `env`; prints "rendered" or the error. */
function renderIn(env: NodeJS.ProcessEnv): string {
  const script = `const m = require(${JSON.stringify(MODULE)});
    m.rhvoiceEngine.renderToFile({ engine: 'rhvoice', voice: 'slt', text: 'yes', params: {} }, ${JSON.stringify(join(scratch.path, 'm.wav'))})
      .then(() => console.log('rendered'), (e) => console.log(e.name + ': ' + e.message))
      .finally(() => m.closeRhvoiceServers());`;
  return printedByFreshNode(script, env);
}

test('a missing RHVoice-test is a ToolMissingError naming it and scripts/setup.sh', () => {
  expect(renderIn({ ...process.env, PATH: join(scratch.path, 'empty-path') })).toMatch(
    /^ToolMissingError: rhvoice \(RHVoice-test\).*scripts\/setup\.sh/,
  );
});

test('a missing librhvoice5 is a ToolMissingError naming it and scripts/setup.sh', () => {
  expect(renderIn({ ...process.env, TINYOPS_RHVOICE_LIB: 'libRHVoice-not-installed.so.5' })).toMatch(
    /^ToolMissingError: rhvoice \(librhvoice5\).*scripts\/setup\.sh/,
  );
  expect(renderIn(process.env)).toBe('rendered');
});

test('a fork server exits when its parent dies without cleaning up', async () => {
  const script = `const m = require(${JSON.stringify(MODULE)});
    m.rhvoiceEngine.renderToFile({ engine: 'rhvoice', voice: 'slt', text: 'up', params: {} }, ${JSON.stringify(join(scratch.path, 'orphan.wav'))})
      .then(() => { console.log(m.rhvoiceServerPids().join(',')); setInterval(() => undefined, 1000); });`;
  // No exit hook runs in the killed parent: the server sees its parent die and the end of its stdin.
  const { pids, allGone } = await orphansExit(script);
  expect(pids.length).toBe(1);
  expect(allGone).toBe(true);
}, 30_000);
