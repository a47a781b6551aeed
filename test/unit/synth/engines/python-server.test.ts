import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PythonRenderServer } from '../../../../src/synth/engines/python-server';
import { scratchDir } from '../../../helpers/engine-servers';

/**
 * What a user reads when a Python render server fails, with the TTS venv's Python running
 * stand-in scripts (the real servers' protocol, none of their models): a server that dies
 * names the engine, its exit code and the end of its stderr (a Python traceback); one that
 * hangs names the engine, the request and what it printed; an `ok: false` answer names the
 * engine and the server's error, and the server goes on.
 */
const scratch = scratchDir('python-server-test-');

/** Run `check` on a server of `engine` whose script is `body` (after `import json, sys`). */
async function withStandIn(
  engine: string,
  timeoutMs: number,
  body: string,
  check: (s: PythonRenderServer) => Promise<void>,
): Promise<void> {
  const path = join(scratch.path, `${engine}.py`);
  writeFileSync(path, `import json, sys\n${body}`);
  const s = new PythonRenderServer(engine, timeoutMs, timeoutMs, 1, path);
  try {
    await check(s);
  } finally {
    s.kill();
  }
}

test('a dying server names the engine, its exit code and its traceback', async () => {
  const body = `sys.stdin.readline()
sys.stderr.write("Traceback (most recent call last):\\n  File \\"tts_server.py\\", line 90\\nRuntimeError: model file is corrupt\\n")
sys.exit(1)
`;
  await withStandIn('kokoro', 10_000, body, async (s) => {
    await expect(s.request({ op: 'render', text: 'yes' })).rejects.toThrow(
      /^kokoro render server exited \(code 1\): Traceback \(most recent call last\):\n[^]*RuntimeError: model file is corrupt$/,
    );
    expect(s.pid).toBeUndefined();
  });
}, 30_000);

test('a hung server times out naming the engine, the request and its stderr, and is killed', async () => {
  const body = `for line in sys.stdin:
    sys.stderr.write("loading voice joe\\n")
`;
  await withStandIn('piper', 500, body, async (s) => {
    await expect(s.request({ op: 'render', text: 'yes' })).rejects.toThrow(
      /^piper render server: no answer in 500 ms to \{"op":"render","text":"yes"\}: loading voice joe$/,
    );
    expect(s.pid).toBeUndefined();
  });
}, 30_000);

test('an ok: false answer names the engine and the error; the same server answers the next request', async () => {
  const body = `print("a library's banner on stdout", flush=True)
for line in sys.stdin:
    r = json.loads(line)
    if r["text"] == "bad":
        print(json.dumps({"id": r["id"], "ok": False, "error": "unknown voice nobody"}), flush=True)
    else:
        print(json.dumps({"id": r["id"], "ok": True, "version": sys.argv[1]}), flush=True)
`;
  await withStandIn('hibari', 10_000, body, async (s) => {
    await expect(s.request({ text: 'bad' })).rejects.toThrow(/^hibari: unknown voice nobody$/);
    const pid = s.pid;
    expect(await s.request({ text: 'good' })).toMatchObject({ ok: true, version: 'hibari' });
    expect(s.pid).toBe(pid);
  });
}, 30_000);
