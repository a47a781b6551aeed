/**
 * Checks zod cannot express: names that must point at something. `needs:` entries must be
 * other stages of the file and must not form a cycle (dvc's check_acyclic), and `board`
 * must be a known board when the caller knows the boards. Runs on the raw document even
 * when zod found problems, so one run of `tinyops validate` reports everything.
 */
import type { SpecProblem } from './format-issues';
import { findCycle } from './plan';
import { didYouMean } from './suggest';

export function checkReferences(data: unknown, boards?: readonly string[]): SpecProblem[] {
  if (!isRecord(data)) return [];
  const problems: SpecProblem[] = [];
  if (boards && typeof data.board === 'string' && !boards.includes(data.board)) {
    problems.push({
      path: ['board'],
      message: `unknown board "${data.board}"${didYouMean(data.board, boards, 'known boards')}`,
    });
  }
  if (isRecord(data.stages))
    problems.push(
      ...checkNeeds(data.stages),
      ...checkMeasure(data.stages),
      ...checkPromotion(data.promotion, data.stages),
    );
  return problems;
}

/** `promotion.model` and every rule's `<stage>.` must name a stage of the file. */
function checkPromotion(promotion: unknown, stages: Record<string, unknown>): SpecProblem[] {
  if (!isRecord(promotion)) return [];
  const names = Object.keys(stages);
  const problems: SpecProblem[] = [];
  if (typeof promotion.model === 'string' && !names.includes(promotion.model)) {
    problems.push({
      path: ['promotion', 'model'],
      message: `unknown stage "${promotion.model}"${didYouMean(promotion.model, names, 'stages')}`,
    });
  }
  if (Array.isArray(promotion.rules)) {
    promotion.rules.forEach((r: unknown, i) => {
      if (!isRecord(r) || typeof r.metric !== 'string') return;
      const stage = r.metric.split('.')[0]!;
      if (!names.includes(stage))
        problems.push({
          path: ['promotion', 'rules', i, 'metric'],
          message: `unknown stage "${stage}"${didYouMean(stage, names, 'stages')}`,
        });
    });
  }
  return problems;
}

/**
 * evaluate's `with.measure` names measurement-dataset stages, which it reads from its inputs:
 * each must also be in that stage's `needs:` (else the stage would fail only when it runs).
 */
function checkMeasure(stages: Record<string, unknown>): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const [name, stage] of Object.entries(stages)) {
    if (!isRecord(stage) || stage.kind !== 'evaluate' || !isRecord(stage.with) || !Array.isArray(stage.with.measure))
      continue;
    const needs = Array.isArray(stage.needs) ? stage.needs.filter((n): n is string => typeof n === 'string') : [];
    stage.with.measure.forEach((m: unknown, i) => {
      if (typeof m !== 'string' || needs.includes(m)) return;
      problems.push({
        path: ['stages', name, 'with', 'measure', i],
        message: `"${m}" is not in this stage's needs:, and a measurement dataset must be an input${didYouMean(m, needs, 'inputs')}`,
      });
    });
  }
  return problems;
}

function checkNeeds(stages: Record<string, unknown>): SpecProblem[] {
  const names = Object.keys(stages);
  const problems: SpecProblem[] = [];
  const graph = new Map<string, string[]>();
  for (const name of names) {
    const stage = stages[name];
    const needs = isRecord(stage) && Array.isArray(stage.needs) ? stage.needs : [];
    const edges: string[] = [];
    needs.forEach((need: unknown, i) => {
      if (typeof need !== 'string') return; // a type problem; zod reports it
      const path = ['stages', name, 'needs', i];
      if (need === name) problems.push({ path, message: `stage "${name}" cannot need itself` });
      else if (!names.includes(need)) {
        const others = names.filter((n) => n !== name);
        problems.push({ path, message: `unknown stage "${need}"${didYouMean(need, others, 'stages in this file')}` });
      } else if (edges.includes(need)) problems.push({ path, message: `"${need}" is listed twice` });
      else edges.push(need);
    });
    graph.set(name, edges);
  }
  const cycle = findCycle(graph);
  if (cycle) problems.push({ path: ['stages', cycle[0] as string, 'needs'], message: `cycle ${cycle.join(' -> ')}` });
  return problems;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
