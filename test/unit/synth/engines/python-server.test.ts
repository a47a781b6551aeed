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

function script(name: string, body: string): string {
  const path = join(scratch.path, name);
  writeFileSync(path, `import json, sys\n${body}`);
  return path;
}

test('a dying server names the engine, its exit code and its traceback', async () => {
  const s = new PythonRenderServer(
    'kokoro',
    10_000,
    20_000,
    1,
    script(
      'dying.py',
      `sys.stdin.readline()
sys.stderr.write("Traceback (most recent call last):\\n  File \\"tts_server.py\\", line 90\\nRuntimeError: model file is corrupt\\n")
sys.exit(1)
`,
    ),
  );
  try {
    await expect(s.request({ op: 'render', text: 'yes' })).rejects.toThrow(
      /^kokoro render server exited \(code 1\): Traceback \(most recent call last\):\n[^]*RuntimeError: model file is corrupt$/,
    );
    expect(s.pid).toBeUndefined();
  } finally {
    s.kill();
  }
}, 30_000);

test('a hung server times out naming the engine, the request and its stderr, and is killed', async () => {
  const s = new PythonRenderServer(
    'piper',
    500,
    500,
    1,
    script(
      'hung.py',
      `for line in sys.stdin:
    sys.stderr.write("loading voice joe\\n")
`,
    ),
  );
  try {
    await expect(s.request({ op: 'render', text: 'yes' })).rejects.toThrow(
      /^piper render server: no answer in 500 ms to \{"op":"render","text":"yes"\}: loading voice joe$/,
    );
    expect(s.pid).toBeUndefined();
  } finally {
    s.kill();
  }
}, 30_000);

test('an ok: false answer names the engine and the error; the same server answers the next request', async () => {
  const s = new PythonRenderServer(
    'hibari',
    10_000,
    20_000,
    1,
    script(
      'answers.py',
      `print("a library's banner on stdout", flush=True)
for line in sys.stdin:
    r = json.loads(line)
    if r["text"] == "bad":
        print(json.dumps({"id": r["id"], "ok": False, "error": "unknown voice nobody"}), flush=True)
    else:
        print(json.dumps({"id": r["id"], "ok": True, "version": sys.argv[1]}), flush=True)
`,
    ),
  );
  try {
    await expect(s.request({ text: 'bad' })).rejects.toThrow(/^hibari: unknown voice nobody$/);
    const pid = s.pid;
    expect(await s.request({ text: 'good' })).toMatchObject({ ok: true, version: 'hibari' });
    expect(s.pid).toBe(pid);
  } finally {
    s.kill();
  }
}, 30_000);
