/**
 * The CLI as a user meets it (real process, real registry): exit codes, messages naming
 * file:line:col, no stack traces for user mistakes, help text that matches the commands.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';

const noStack = (s: string): void => expect(s).not.toMatch(/\n\s+at |Error:/);

describe('tinyops CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('validate: the shipped pipeline is valid (exit 0)', async () => {
    const r = await runCli(['validate', 'pipelines/kws.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pipelines\/kws\.yaml: valid, pipeline "kws"/);
  });

  it('validate: a typo in a with: key names line, column and a suggestion (exit 1)', async () => {
    const f = path.join(dir, 'typo.yaml');
    fs.writeFileSync(f, 'name: t\nstages:\n  data:\n    kind: synth-kws\n    with:\n      perKeywrd: 5\n');
    const r = await runCli(['validate', f]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      `${f}:6:7: stages.data.with: unknown key "perKeywrd", did you mean "perKeyword"?`,
    );
    noStack(r.stderr);
  });

  it('validate: an unknown stage kind suggests the closest registered one', async () => {
    const f = path.join(dir, 'kind.yaml');
    fs.writeFileSync(f, 'name: t\nstages:\n  data:\n    kind: synth-kw\n');
    const r = await runCli(['validate', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:4:11: stages.data.kind: unknown stage kind "synth-kw", did you mean "synth-kws"?`);
  });

  it('validate --set: a bad override value is reported against the override', async () => {
    const r = await runCli(['validate', 'pipelines/kws.yaml', '--set', 'stages.data.with.perKeyword=-3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--set stages.data.with.perKeyword=-3: stages.data.with.perKeyword: expected');
    noStack(r.stderr);
  });

  it('run: a missing file is a clean error (exit 1), not a crash', async () => {
    const r = await runCli(['run', path.join(dir, 'nope.yaml')], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.yaml: cannot read file: no such file');
    noStack(r.stderr);
  });

  it('run: an unreachable TEMPORAL_ADDRESS is a clean error naming the address', async () => {
    const r = await runCli(['run', 'pipelines/kws.yaml', '--store', path.join(dir, 'store')], {
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      TINYOPS_HOME: path.join(dir, 'state'),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot connect to Temporal at 127.0.0.1:1');
    expect(r.stderr).toContain('TEMPORAL_ADDRESS is set');
    expect(fs.existsSync(path.join(dir, 'store', 'cache'))).toBe(false);
  });

  it('--help lists the commands the README documents', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['run', 'validate', 'worker', 'server']) expect(r.stdout).toMatch(new RegExp(`\\n  ${c} `));
    const run = await runCli(['run', '--help']);
    for (const o of ['--set', '--json', '--store', '--queue', '--no-worker']) expect(run.stdout).toContain(o);
  });

  it('an unknown command fails with a hint', async () => {
    const r = await runCli(['rnu']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("unknown command 'rnu'");
  });
});

describe('board names', () => {
  it('an unknown board is rejected with a suggestion from the registry', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tinyops-board-'));
    const f = path.join(dir, 'board.yaml');
    fs.writeFileSync(f, 'name: t\nboard: stm32f746z\nstages:\n  data:\n    kind: synth-kws\n');
    const r = await runCli(['validate', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:2:8: board:`);
    expect(r.stderr).toContain('did you mean "stm32f746zg"?');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
