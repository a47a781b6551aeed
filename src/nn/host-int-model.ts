/**
 * The integer model compiled for the host: the C the codegen stage generates
 * (src/codegen/model-c.ts) with the portable ref kernels (firmware/kernels/ref) and the
 * split runner firmware/host/tops_int_outputs_main.c, built with the host gcc. The ref
 * kernels are bit-exact with the TypeScript integer reference (src/nn/int-reference; the
 * deploy stage and test/integration check the same C against it on the board), so this gives
 * the same bytes as runIntModel, compiled instead of interpreted: the anomaly-detection
 * pipeline runs the integer model over thousands of test patches, which takes minutes in
 * TypeScript and seconds here (docs/anomaly-detection.md has the measurement).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { emitModelC } from '../codegen/model-c';
import { kernelSources, scratchFor } from '../codegen/kernel-variants';
import { FIRMWARE_DIR, FIRMWARE_INCLUDE_DIR } from '../deploy/firmware-paths';
import { TinyopsError } from '../errors';
import { tensorByName, tensorBytes, type IntModel } from '../quant/int-model';

const execFileP = promisify(execFile);

export const HOST_RUNNER_SOURCE = path.join(FIRMWARE_DIR, 'host', 'tops_int_outputs_main.c');

/** Raised when the host build or run of the generated C fails (no gcc, a C error, a bad exit). */
export class HostModelError extends TinyopsError {}

export interface HostIntRun {
  /** n × output bytes: the model's int8 output codes. */
  readonly outputs: Int8Array;
  /** n × tap bytes: the int8 output of the tapped op (empty without a tap). */
  readonly taps: Int8Array;
  readonly tapBytes: number;
}

function readInt8(file: string): Int8Array {
  const b = fs.readFileSync(file);
  return new Int8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A host build of one integer model; `dispose()` removes its directory. */
export class HostIntModel {
  private constructor(
    readonly model: IntModel,
    /** The build's directory (sources, executable; each run works in a subdirectory). */
    readonly dir: string,
    private readonly exe: string,
  ) {}

  /** `use` on a build of `model` made for it alone, removed once `use` settles. */
  static async using<T>(model: IntModel, use: (host: HostIntModel) => Promise<T>): Promise<T> {
    const host = await HostIntModel.build(model);
    try {
      return await use(host);
    } finally {
      host.dispose();
    }
  }

  /** Generates and compiles the model (about 1–3 s with gcc -O2). */
  static async build(model: IntModel): Promise<HostIntModel> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tops-host-model-'));
    try {
      const c = emitModelC(model, {
        scratchBytes: scratchFor('ref'),
        provenance: 'host integer runner (src/nn/host-int-model.ts)',
      });
      fs.writeFileSync(path.join(dir, 'tops_model.h'), c.header);
      fs.writeFileSync(path.join(dir, 'tops_model.c'), c.source);
      const exe = path.join(dir, 'tops_int_outputs');
      await execFileP(
        'gcc',
        [
          '-O2',
          '-std=c99',
          '-DTOPS_HOST_BUILD',
          `-I${dir}`,
          `-I${FIRMWARE_INCLUDE_DIR}`,
          path.join(dir, 'tops_model.c'),
          HOST_RUNNER_SOURCE,
          ...kernelSources('ref'),
          '-o',
          exe,
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      );
      return new HostIntModel(model, dir, exe);
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new HostModelError(
        `host build of the integer model (gcc) failed: ${(e as Error).message.split('\n').slice(0, 6).join('\n')}`,
      );
    }
  }

  /**
   * Runs `n` int8 input vectors (concatenated); `tap` names an op whose output is returned too.
   * Each run has a directory of its own for the runner's vectors.bin / outputs.bin / taps.bin,
   * so one build serves several runs at once (evaluate scores the test split and the
   * measurement datasets with the same build, concurrently).
   */
  async run(inputs: Int8Array, tap?: string): Promise<HostIntRun> {
    const inBytes = tensorBytes(tensorByName(this.model, this.model.input));
    if (inputs.length % inBytes !== 0)
      throw new HostModelError(
        `host integer runner: ${inputs.length} input bytes is not a multiple of the model input (${inBytes} B)`,
      );
    const cwd = fs.mkdtempSync(path.join(this.dir, 'run-'));
    try {
      fs.writeFileSync(path.join(cwd, 'vectors.bin'), Buffer.from(inputs.buffer, inputs.byteOffset, inputs.byteLength));
      let stdout: string;
      try {
        ({ stdout } = await execFileP(this.exe, tap === undefined ? [] : [tap], { cwd, maxBuffer: 1024 * 1024 }));
      } catch (e) {
        throw new HostModelError(
          `host integer runner failed: ${(e as Error).message.split('\n').slice(0, 4).join(' ')}`,
        );
      }
      const m = /^vectors (\d+) taps (\d+)$/m.exec(stdout);
      if (!m || !/^ok$/m.test(stdout))
        throw new HostModelError(`host integer runner: unexpected output "${stdout.trim()}"`);
      const outputs = readInt8(path.join(cwd, 'outputs.bin'));
      const taps = tap === undefined ? new Int8Array(0) : readInt8(path.join(cwd, 'taps.bin'));
      return { outputs, taps, tapBytes: Number(m[2]) };
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
