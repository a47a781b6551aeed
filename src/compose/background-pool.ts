import { peak } from '../audio/mix';
import { SPLITS, type Split } from '../synth/kws-plan';
import type { Prng } from '../util/prng';
import { composeInputError } from './compose-error';
import type { RecordingReader, RecordingsDataset } from './recordings';

/**
 * Recorded backgrounds, kept apart by split like the speech (thesis appendix 3.B: an
 * AudioSample of split `st` draws from that split's databases), so no stretch of background
 * recording is heard in both a training and a test clip:
 *
 *   - from a folder that is not a label (`_background_noise_`): every file is cut in time,
 *     train = its first (1 − validation − test) share, then validation, then test — long
 *     noise recordings are few, so splitting files by name would leave a split without any;
 *   - from a label folder (e.g. `_silence_` clips of import-audio): each file belongs to the
 *     split the dataset's lists give it, like a recording.
 *
 * A window longer than its region wraps around inside the region.
 */

export interface Region {
  readonly file: string;
  readonly samples: Float32Array;
  readonly start: number;
  readonly end: number;
}

/** A background file part and a start sample in it (BackgroundPool.choose). */
export interface BackgroundChoice {
  readonly file: string;
  readonly region: Region;
  readonly start: number;
}

export interface SplitFractions {
  readonly validation: number;
  readonly test: number;
}

export class BackgroundPool {
  private constructor(
    /** Where the backgrounds come from, for messages: `folder "_background_noise_"`. */
    readonly source: string,
    readonly files: readonly string[],
    private readonly regions: ReadonlyMap<Split, readonly Region[]>,
  ) {}

  /**
   * Load the backgrounds of `from` (a folder or label of the dataset). A folder that is
   * absent gives an empty pool (the caller decides whether backgrounds are required);
   * a background that is digital silence is a StageInputError.
   */
  static async load(
    ds: RecordingsDataset,
    from: string,
    fractions: SplitFractions,
    reader: RecordingReader,
  ): Promise<BackgroundPool> {
    const regions = new Map<Split, Region[]>(SPLITS.map((s) => [s, []]));
    const isLabel = ds.labels.includes(from);
    const files = isLabel ? (ds.byLabel.get(from) ?? []).map((r) => r.path) : (ds.folders.get(from) ?? []);
    for (const file of files) {
      const samples = await reader.read(file);
      if (samples.length === 0 || peak(samples) === 0) {
        throw composeInputError(`${ds.display}: background ${file} is digital silence; remove it from ${from}/`);
      }
      if (isLabel) {
        regions.get(ds.splitOf(file))!.push({ file, samples, start: 0, end: samples.length });
        continue;
      }
      const n = samples.length;
      const trainEnd = Math.floor(n * (1 - fractions.validation - fractions.test));
      const validationEnd = Math.floor(n * (1 - fractions.test));
      const cuts: Array<[Split, number, number]> = [
        ['train', 0, trainEnd],
        ['validation', trainEnd, validationEnd],
        ['test', validationEnd, n],
      ];
      for (const [split, start, end] of cuts) if (end > start) regions.get(split)!.push({ file, samples, start, end });
    }
    return new BackgroundPool(`${isLabel ? 'label' : 'folder'} "${from}"`, files, regions);
  }

  private regionsOf(s: Split | 'all'): readonly Region[] {
    return s === 'all' ? SPLITS.flatMap((x) => this.regions.get(x) ?? []) : (this.regions.get(s) ?? []);
  }

  /** Whether split `s` (or any split, for `all`) has a background to draw from. */
  has(s: Split | 'all'): boolean {
    return this.regionsOf(s).length > 0;
  }

  /** A random background of split `s` and a start in it: cheap, so clips can be named before their audio is made. */
  choose(s: Split | 'all', rng: Prng): BackgroundChoice {
    const regions = this.regionsOf(s);
    if (regions.length === 0) throw new RangeError(`BackgroundPool.choose: no background for split ${s}`);
    const region = rng.pick(regions);
    return { file: region.file, region, start: rng.int(region.start, region.end - 1) };
  }

  /** `n` samples of a chosen background from its start, wrapping around inside its region. */
  render(c: BackgroundChoice, n: number): Float32Array {
    const r = c.region;
    const out = new Float32Array(n);
    let pos = c.start;
    for (let i = 0; i < n; i++) {
      out[i] = r.samples[pos]!;
      pos = pos + 1 === r.end ? r.start : pos + 1;
    }
    return out;
  }

  /** choose + render. */
  window(s: Split | 'all', n: number, rng: Prng): { samples: Float32Array; file: string } {
    const c = this.choose(s, rng);
    return { samples: this.render(c, n), file: c.file };
  }
}
