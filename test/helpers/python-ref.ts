import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * Run a Python snippet with the reference interpreter (numpy + librosa, installed by
 * scripts/setup.sh as .tinyops/bin/python-ref) and exchange arrays through temp files.
 *
 * The snippet sees `inputs` (dict name → float64 ndarray of the given shape), `params`
 * (the JSON value passed in) and `np`; it fills `outputs` (dict name → array-like,
 * stored as float64) and may set `result` (any JSON value).
 *
 * Missing interpreter or library is a test failure, not a skip: setup installs it, and a
 * skipped reference comparison would hide a broken front end.
 */

const repoRoot = path.resolve(__dirname, '..', '..', '..'); // dist/test/helpers → repo

export interface PyArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export interface PythonRefResult {
  readonly outputs: Record<string, PyArray>;
  readonly result: unknown;
}

/**
 * The interpreter path. `.tinyops/bin/python-ref` is a symlink to the venv's `bin/python`;
 * Python finds its venv (pyvenv.cfg) next to the path it was started as, so starting it
 * through the outer link loses the venv's site-packages. Resolve that one link level.
 */
export function pythonRefPath(): string {
  const fromEnv = process.env.TINYOPS_PYTHON_REF;
  if (fromEnv) return fromEnv;
  const link = path.join(repoRoot, '.tinyops', 'bin', 'python-ref');
  if (!existsSync(link))
    throw new Error(`${link} is missing: run scripts/setup.sh (it installs numpy + librosa for DSP tests)`);
  return lstatSync(link).isSymbolicLink() ? path.resolve(path.dirname(link), readlinkSync(link)) : link;
}

const PRELUDE = `
import json, os, sys
import numpy as np
_dir = sys.argv[1]
with open(os.path.join(_dir, 'manifest.json')) as _f:
    _m = json.load(_f)
params = _m['params']
inputs = {k: np.fromfile(os.path.join(_dir, k + '.in.f64'), dtype='<f8').reshape(v) for k, v in _m['inputs'].items()}
outputs = {}
result = None
`;

const EPILOGUE = `
_shapes = {}
for _k, _v in outputs.items():
    _a = np.ascontiguousarray(np.asarray(_v, dtype='<f8'))
    _a.tofile(os.path.join(_dir, _k + '.out.f64'))
    _shapes[_k] = list(_a.shape)
with open(os.path.join(_dir, 'outputs.json'), 'w') as _f:
    json.dump({'shapes': _shapes, 'result': result}, _f)
`;

export async function runPythonRef(
  script: string,
  inputs: Record<string, PyArray> = {},
  params: unknown = null,
): Promise<PythonRefResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tinyops-pyref-'));
  try {
    const manifest: { params: unknown; inputs: Record<string, readonly number[]> } = { params, inputs: {} };
    for (const [name, arr] of Object.entries(inputs)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad input name ${name}`);
      const n = arr.shape.reduce((a, b) => a * b, 1);
      if (n !== arr.data.length)
        throw new Error(`input ${name}: shape [${arr.shape.join(', ')}] does not match ${arr.data.length} values`);
      const bytes = Buffer.alloc(8 * n);
      arr.data.forEach((v, i) => bytes.writeDoubleLE(v, 8 * i));
      writeFileSync(path.join(dir, `${name}.in.f64`), bytes);
      manifest.inputs[name] = arr.shape;
    }
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const scriptPath = path.join(dir, 'script.py');
    writeFileSync(scriptPath, PRELUDE + script + EPILOGUE);
    const exe = pythonRefPath();
    await new Promise<void>((resolve, reject) => {
      execFile(
        exe,
        [scriptPath, dir],
        {
          timeout: 120_000,
          maxBuffer: 16 << 20,
          env: { ...process.env, NUMBA_CACHE_DIR: path.join(tmpdir(), 'tinyops-numba-cache') },
        },
        (err, _stdout, stderr) =>
          err ? reject(new Error(`python-ref (${exe}) failed: ${err.message}\n${stderr}`)) : resolve(),
      );
    });
    const meta = JSON.parse(readFileSync(path.join(dir, 'outputs.json'), 'utf8')) as {
      shapes: Record<string, number[]>;
      result: unknown;
    };
    const outputs: Record<string, PyArray> = {};
    for (const [name, shape] of Object.entries(meta.shapes)) {
      const buf = readFileSync(path.join(dir, `${name}.out.f64`));
      const data = new Float64Array(buf.length / 8);
      for (let i = 0; i < data.length; i++) data[i] = buf.readDoubleLE(8 * i);
      outputs[name] = { shape, data };
    }
    return { outputs, result: meta.result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
