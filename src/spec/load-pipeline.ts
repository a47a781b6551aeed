/**
 * Pipeline file → ResolvedPipeline (docs/architecture.md#flow-of-one-run, step 1): YAML with positions, `--set`
 * overrides, zod validation with defaults, reference and cycle checks, stage order.
 * Every problem found is collected and thrown as one PipelineSpecError whose lines read
 * `file:line:col: path: message` (or `--set path=value: path: message`).
 */
import { readFileSync } from 'node:fs';
import type { Promotion } from '../promotion/promotion-config';
import type { AnyStageModule } from '../stage/stage-module';
import { PipelineSpecError } from '../errors';
import { checkReferences } from './check-references';
import { formatIssues, renderProblem, type SpecProblem } from './format-issues';
import { applyOverrides } from './overrides';
import { pipelineSchema, type PipelineDocument } from './pipeline-schema';
import { topologicalOrder } from './plan';
import { locate, parseYamlSource, type SourcePosition, type YamlSource } from './yaml-source';

export interface ResolvedStage {
  readonly name: string;
  readonly kind: string;
  readonly needs: readonly string[];
  /** Task queue named in the file (`queue:`), if any; see src/temporal/queues.ts. */
  readonly queue?: string;
  /** Output of the kind's configSchema: defaults applied, validated. */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface ResolvedPipeline {
  readonly name: string;
  readonly seed: number;
  readonly board?: string;
  /** Topological order; stages ready at the same time keep file order. */
  readonly stages: readonly ResolvedStage[];
  readonly schedule?: { readonly cron?: string; readonly every?: string };
  /** Champion / challenger rules (src/promotion/promotion-config.ts). */
  readonly promotion?: Promotion;
  /** The file label problems were reported against (the path as the user gave it). */
  readonly source: string;
}

export interface LoadOptions {
  /** The stage registry; `kind:` must name one of these. */
  modules: readonly AnyStageModule[];
  /** `--set path=value` overrides, applied in order before validation. */
  overrides?: readonly string[];
  /** Known board names; when given, `board:` must be one of them. */
  boards?: readonly string[];
}

/** Read and resolve a pipeline file. Throws PipelineSpecError or OverrideError. */
export function loadPipelineFile(file: string, opts: LoadOptions): ResolvedPipeline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PipelineSpecError([`${file}: cannot read file: ${readFailure(e)}`]);
  }
  return parsePipeline(text, file, opts);
}

/** Resolve pipeline YAML `text`; `fileLabel` is what problems name as the file. */
export function parsePipeline(text: string, fileLabel: string, opts: LoadOptions): ResolvedPipeline {
  const source = parseYamlSource(text);
  if (source.errors.length > 0) {
    // A document with syntax errors is not worth validating: the schema errors would be noise.
    throw new PipelineSpecError(
      render(
        fileLabel,
        source.errors.map((e) => ({ where: e.pos, problem: e.problem })),
      ),
    );
  }
  const marks = applyOverrides(source.doc, opts.overrides ?? []);
  const data = toPlainData(source, fileLabel);
  if (data === null || data === undefined) {
    throw new PipelineSpecError([`${fileLabel}:1:1: the file is empty; expected a map with "name" and "stages"`]);
  }

  const schema = pipelineSchema(opts.modules);
  const result = schema.safeParse(data, { reportInput: true });
  const problems: SpecProblem[] = result.success ? [] : formatIssues(result.error.issues, schema, data);
  problems.push(...checkReferences(data, opts.boards));
  if (problems.length > 0 || !result.success) {
    // (the second test only narrows `result`)
    const placed = problems.map((problem) => {
      const loc = locate(source, problem.path, problem.key, marks);
      return { where: 'pos' in loc ? loc.pos : loc.override, problem };
    });
    throw new PipelineSpecError(render(fileLabel, placed, opts.overrides ?? []));
  }
  // Stages that build for a board inherit the pipeline's `board:` unless they name their own.
  const boardless = Object.entries(result.data.stages).filter(([, st]) => {
    const m = opts.modules.find((x) => x.kind === st.kind);
    return m?.usesBoard === true && (st.with as Record<string, unknown>).board === undefined;
  });
  if (boardless.length > 0 && result.data.board === undefined) {
    throw new PipelineSpecError(
      boardless.map(([name, st]) => {
        const loc = locate(source, ['stages', name, 'kind'], undefined, marks);
        const where = 'pos' in loc ? `${fileLabel}:${loc.pos.line}:${loc.pos.col}` : fileLabel;
        return `${where}: stages.${name}: a ${st.kind} stage needs a board: set "board:" at the top of the file (e.g. board: stm32f446re) or stages.${name}.with.board`;
      }),
    );
  }
  return resolve(result.data, fileLabel, new Set(boardless.map(([name]) => name)));
}

function toPlainData(source: YamlSource, fileLabel: string): unknown {
  try {
    return source.doc.toJS();
  } catch (e) {
    // yaml refuses alias bombs ("excessive alias count") here, after parsing succeeded.
    throw new PipelineSpecError([`${fileLabel}: ${e instanceof Error ? e.message : String(e)}`]);
  }
}

function resolve(doc: PipelineDocument, source: string, inheritBoard: ReadonlySet<string>): ResolvedPipeline {
  const byName = new Map(
    Object.entries(doc.stages).map(([name, s]): [string, ResolvedStage] => {
      // Stage config schemas are strict objects, so their output is a plain record.
      const config = s.with as Record<string, unknown>;
      return [
        name,
        {
          name,
          kind: s.kind,
          needs: s.needs ?? [],
          ...(s.queue !== undefined && { queue: s.queue }),
          config: inheritBoard.has(name) ? { ...config, board: doc.board } : config,
        },
      ];
    }),
  );
  const stages = topologicalOrder([...byName.values()]).map((name) => byName.get(name) as ResolvedStage);
  return {
    name: doc.name,
    seed: doc.seed,
    // Optional keys are left out rather than set to undefined: this object crosses
    // Temporal's payload converter and is hashed as canonical JSON.
    ...(doc.board !== undefined && { board: doc.board }),
    stages,
    ...(doc.schedule !== undefined && {
      schedule: {
        ...(doc.schedule.cron !== undefined && { cron: doc.schedule.cron }),
        ...(doc.schedule.every !== undefined && { every: doc.schedule.every }),
      },
    }),
    ...(doc.promotion !== undefined && { promotion: doc.promotion }),
    source,
  };
}

/**
 * File problems sorted by position, then override problems in the order the overrides
 * were given; duplicates (one cause reported twice) dropped.
 */
function render(
  fileLabel: string,
  placed: ReadonlyArray<{ where: SourcePosition | string; problem: SpecProblem }>,
  overrides: readonly string[] = [],
): string[] {
  const inFile = placed
    .filter((p): p is { where: SourcePosition; problem: SpecProblem } => typeof p.where !== 'string')
    .sort((a, b) => a.where.line - b.where.line || a.where.col - b.where.col)
    .map((p) => renderProblem(`${fileLabel}:${p.where.line}:${p.where.col}`, p.problem));
  const fromOverrides = placed
    .filter((p): p is { where: string; problem: SpecProblem } => typeof p.where === 'string')
    .sort((a, b) => overrides.lastIndexOf(a.where) - overrides.lastIndexOf(b.where))
    .map((p) => renderProblem(`--set ${p.where}`, p.problem));
  return [...new Set([...inFile, ...fromOverrides])];
}

function readFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}
