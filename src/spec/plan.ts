/**
 * Planning over the stage DAG that `needs:` draws. Pure TypeScript with no imports: the
 * workflow bundle uses it too, and Temporal workflow code may not touch Node APIs.
 * (After dvc's repo/graph.py: cycles are rejected first, then the order is computed.)
 */

/** A stage as far as planning cares: its name and the stages it needs. */
export interface PlanNode {
  readonly name: string;
  readonly needs: readonly string[];
}

/**
 * A cycle in `graph` (stage → stages it needs) as a closed walk `[a, b, a]`, or undefined
 * if there is none. Names that are not keys of `graph` count as leaves. The cycle is
 * rotated to start at the stage that comes first in the map's order, so the same file
 * always gives the same message.
 */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const order = [...graph.keys()];
  const done = new Set<string>();
  const onStack: string[] = [];

  const visit = (name: string): string[] | undefined => {
    const at = onStack.indexOf(name);
    if (at >= 0) return onStack.slice(at);
    if (done.has(name) || !graph.has(name)) return undefined;
    onStack.push(name);
    for (const next of graph.get(name) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    onStack.pop();
    done.add(name);
    return undefined;
  };

  for (const name of order) {
    const cycle = visit(name);
    if (cycle) {
      const first = cycle.reduce((best, n) => (order.indexOf(n) < order.indexOf(best) ? n : best));
      const start = cycle.indexOf(first);
      const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
      return [...rotated, first];
    }
  }
  return undefined;
}

/**
 * Stage names in an order where every stage comes after all the stages it needs; among
 * stages that are ready at the same time, file order wins. Each step takes the first
 * stage in the file whose needs are all placed:
 *
 * ```
 *   file order:  train, report, features, data
 *
 *     data ──► features ──► train        report (needs nothing)
 *       └────────────────────►┘
 *
 *   result:      report, data, features, train
 *                (report and data are ready at once; report is written first)
 * ```
 *
 * Throws a plain Error on a cycle or an unknown name: callers validate `needs` first
 * (load-pipeline does), so reaching either is a bug.
 */
export function topologicalOrder(stages: readonly PlanNode[]): string[] {
  const names = new Set(stages.map((s) => s.name));
  for (const s of stages) {
    for (const n of s.needs) if (!names.has(n)) throw new Error(`stage "${s.name}" needs unknown stage "${n}"`);
  }
  const placed = new Set<string>();
  const order: string[] = [];
  while (order.length < stages.length) {
    // Quadratic, and fine: pipelines have tens of stages, and rescanning from the top is
    // what makes ties resolve in file order.
    const ready = stages.find((s) => !placed.has(s.name) && s.needs.every((n) => placed.has(n)));
    if (!ready) {
      const left = stages.filter((s) => !placed.has(s.name)).map((s) => s.name);
      throw new Error(`cycle among stages ${left.join(', ')}`);
    }
    placed.add(ready.name);
    order.push(ready.name);
  }
  return order;
}

/**
 * Every stage that depends on `name`, directly or through other stages, not counting
 * `name` itself: what must re-run when `name`'s output changes.
 *
 * ```
 *   data ──► features ──► train ──► quantize
 *                 └─────► evaluate
 * ```
 * downstreamOf(stages, 'features') = {train, quantize, evaluate}.
 */
export function downstreamOf(stages: readonly PlanNode[], name: string): Set<string> {
  const found = new Set<string>();
  const frontier = [name];
  while (frontier.length > 0) {
    const current = frontier.pop() as string;
    for (const s of stages) {
      if (s.needs.includes(current) && !found.has(s.name) && s.name !== name) {
        found.add(s.name);
        frontier.push(s.name);
      }
    }
  }
  return found;
}
