import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { dnasReportSchema, type DnasReport } from './sections/dnas-section';
import { listKwsDataset } from '../dsp/dataset-listing';
import { readMachineManifest } from '../machine/machine-dataset';
import { FEATURE_MEDIA_TYPE, readFeatureTensor } from '../dsp/feature-tensor';
import { StageInputError } from '../errors';
import type { ArtifactRef } from '../store/artifact-store';
import {
  boardSchema,
  datasetSummarySchema,
  evaluationSchema,
  historySchema,
  weightHistogramsSchema,
  splitNames,
  type DatasetSummary,
  type FeatureSplit,
  type ReportModel,
  type RunInfo,
  type UpstreamStage,
} from './report-model';

/**
 * Builds the ReportModel from whatever the report stage's `needs:` produced. Inputs are
 * found by artifact name, not by stage kind, so any stage producing e.g. `history` feeds
 * the Training section, and a pipeline without a train stage simply has no such section.
 *
 *   dataset (tar)            → dataset.json + clip listing → Dataset
 *   train/validation/test    → feature file headers        → Features
 *   history / evaluation / board (JSON) → zod-checked      → Training / events, classification / Board
 *
 * A malformed input is a StageInputError naming the stage and artifact: a report that
 * silently dropped a section would be cached and look complete.
 */

/** What the report needs of an upstream stage's outputs (a StageOutputs, structurally). */
export interface UpstreamOutputs {
  readonly artifacts: readonly ArtifactRef[];
  readonly metrics: Readonly<Record<string, number | string | boolean>>;
}

/** The part of a StageContext used here: the inputs and how to fetch them. */
export interface ReportInputs {
  readonly inputs: Readonly<Record<string, UpstreamOutputs>>;
  fetchFile(ref: ArtifactRef): Promise<string>;
  fetchDir(ref: ArtifactRef): Promise<string>;
}

interface Found {
  readonly stage: string;
  readonly ref: ArtifactRef;
}

/**
 * The artifact named `name` (and of `mediaType`, when given); with several, the first in
 * `needs:` order, and a note says so.
 */
function findArtifact(
  src: ReportInputs,
  name: string,
  mediaType: string | undefined,
  notes: string[],
): Found | undefined {
  const found: Found[] = [];
  for (const [stage, out] of Object.entries(src.inputs)) {
    for (const ref of out.artifacts) {
      if (ref.name === name && (mediaType === undefined || ref.mediaType === mediaType)) found.push({ stage, ref });
    }
  }
  if (found.length > 1) {
    notes.push(
      `${found.length} inputs have a \`${name}\` artifact (${found.map((f) => f.stage).join(', ')}); showing the one from ${found[0]!.stage}`,
    );
  }
  return found[0];
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

async function readJsonArtifact<S extends z.ZodType>(src: ReportInputs, f: Found, schema: S): Promise<z.infer<S>> {
  const path = await src.fetchFile(f.ref);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new StageInputError(`artifact \`${f.ref.name}\` of stage ${f.stage} is not JSON: ${(e as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new StageInputError(
      `artifact \`${f.ref.name}\` of stage ${f.stage} does not have the expected shape: ${describeIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** Counts from the clip listing (true for any producer); extra facts from dataset.json if it has them. */
async function readDataset(src: ReportInputs, f: Found): Promise<DatasetSummary> {
  const dir = await src.fetchDir(f.ref);
  // A machine-sound dataset (synth-machine / import-audio with a machine layout): counts per machine ID.
  if (existsSync(join(dir, 'machines.json')) && !existsSync(join(dir, 'dataset.json')))
    return machineDatasetSummary(dir);
  const listing = listKwsDataset(dir);
  const counts = Object.fromEntries(
    splitNames.map((s) => {
      const perLabel: Record<string, number> = Object.fromEntries(listing.labels.map((l) => [l, 0]));
      for (const clip of listing.splits[s]) perLabel[listing.labels[clip.label]!]!++;
      return [s, perLabel];
    }),
  );
  const manifestPath = join(dir, 'dataset.json');
  const manifest: Record<string, unknown> = existsSync(manifestPath)
    ? JSON.parse(readFileSync(manifestPath, 'utf8'))
    : {};
  const parsed = datasetSummarySchema.safeParse({ ...manifest, labels: listing.labels, counts });
  if (!parsed.success) {
    throw new StageInputError(
      `dataset.json of stage ${f.stage} does not have the expected shape: ${describeIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** Clips per split per machine ID (`<type>/<id>`; the test split counts normal and anomalous clips). */
function machineDatasetSummary(dir: string): DatasetSummary {
  const m = readMachineManifest(dir);
  const labels = m.machines.flatMap((x) => x.ids.map((id) => `${x.type}/${id}`));
  const counts = Object.fromEntries(
    splitNames.map((s) => [s, Object.fromEntries(labels.map((l) => [l, 0]))]),
  ) as Record<(typeof splitNames)[number], Record<string, number>>;
  for (const c of m.clips) {
    if (c.split === 'dev') continue; // the dev split (for choosing detector settings) is not a dataset split of the report
    const perLabel = counts[c.split];
    const key = `${c.type}/${c.id}`;
    if (perLabel && key in perLabel) perLabel[key] = (perLabel[key] ?? 0) + 1;
  }
  return datasetSummarySchema.parse({
    labels,
    counts,
    generator: 'machine sounds (machines.json)',
    sampleRate: m.sampleRate,
  });
}

/** A nested front-end value (an array, an object) is shown as its JSON text. */
function flatten(frontEnd: Readonly<Record<string, unknown>>): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(frontEnd)) {
    out[k] =
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null ? v : JSON.stringify(v);
  }
  return out;
}

async function readFeatureSplit(
  src: ReportInputs,
  f: Found,
  artifact: FeatureSplit['artifact'],
): Promise<FeatureSplit> {
  // readFeatureTensor validates the header against the data; the data is then dropped.
  const { header } = readFeatureTensor(await src.fetchFile(f.ref));
  const perLabel: Record<string, number> = Object.fromEntries(header.labels.map((l) => [l, 0]));
  for (const i of header.labelIndex) perLabel[header.labels[i]!]!++;
  return { artifact, shape: header.shape, labels: header.labels, perLabel, frontEnd: flatten(header.frontEnd) };
}

function upstreamStages(src: ReportInputs): UpstreamStage[] {
  return Object.entries(src.inputs).map(([stage, out]) => ({
    stage,
    metrics: { ...out.metrics },
    artifacts: out.artifacts.map((a) => ({ name: a.name, sha256: a.sha256, bytes: a.bytes, mediaType: a.mediaType })),
  }));
}

export interface CollectOptions {
  readonly thresholdTable: boolean;
}

/** A dnas stage's `search` trace and `architecture` (its predicted costs) as one report input. */
async function readDnas(src: ReportInputs, search: Found, arch: Found): Promise<DnasReport> {
  const s = await readJsonArtifact(src, search, z.object({}).passthrough());
  const a = await readJsonArtifact(
    src,
    arch,
    z.object({ predicted: z.unknown(), architecture: z.unknown() }).passthrough(),
  );
  return readJsonArtifactValue(
    dnasReportSchema,
    { ...s, predicted: a.predicted, architecture: a.architecture },
    search,
  );
}

function readJsonArtifactValue<S extends z.ZodType>(schema: S, value: unknown, f: Found): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new StageInputError(
      `report: the ${f.ref.name} artifact of stage ${f.stage} is not a dnas search: ${describeIssues(r.error)}`,
    );
  return r.data;
}

export async function collectReportModel(
  src: ReportInputs,
  run: RunInfo,
  options: CollectOptions,
): Promise<ReportModel> {
  const notes: string[] = [];
  const sources: Record<string, string> = {};
  const find = (name: string, mediaType?: string): Found | undefined => {
    const f = findArtifact(src, name, mediaType, notes);
    if (f !== undefined) sources[name] = f.stage;
    return f;
  };

  const datasetRef = find('dataset');
  const features: FeatureSplit[] = [];
  for (const split of splitNames) {
    // `test` is a plausible name for other things too; only feature files are read as such.
    const f = find(split, FEATURE_MEDIA_TYPE);
    if (f !== undefined) features.push(await readFeatureSplit(src, f, split));
  }
  const historyRef = find('history');
  const histogramsRef = find('weightHistograms');
  // The quantized train stage's own history, when `history` above came from another stage.
  const quantHistoryRef =
    histogramsRef !== undefined && historyRef !== undefined && histogramsRef.stage !== historyRef.stage
      ? src.inputs[histogramsRef.stage]?.artifacts.find((a) => a.name === 'history')
      : undefined;
  const evaluationRef = find('evaluation');
  const boardRef = find('board');
  const searchRef = find('search');
  const archRef = find('architecture');

  return {
    run,
    upstream: upstreamStages(src),
    dataset: datasetRef && (await readDataset(src, datasetRef)),
    features,
    history: historyRef && (await readJsonArtifact(src, historyRef, historySchema)),
    ...(histogramsRef === undefined
      ? {}
      : { weightHistograms: await readJsonArtifact(src, histogramsRef, weightHistogramsSchema) }),
    ...(quantHistoryRef === undefined || histogramsRef === undefined
      ? {}
      : {
          quantHistory: await readJsonArtifact(
            src,
            { stage: histogramsRef.stage, ref: quantHistoryRef },
            historySchema,
          ),
        }),
    evaluation: evaluationRef && (await readJsonArtifact(src, evaluationRef, evaluationSchema)),
    board: boardRef && (await readJsonArtifact(src, boardRef, boardSchema)),
    ...(searchRef === undefined || archRef === undefined ? {} : { dnas: await readDnas(src, searchRef, archRef) }),
    sources,
    notes,
    options: { thresholdTable: options.thresholdTable },
  };
}
