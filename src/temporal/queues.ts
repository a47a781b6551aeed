import type { ResolvedPipeline } from '../spec/load-pipeline';

/**
 * Task queues of stage work (issue #15 "workers per task queue"). A cluster runs workers
 * where the resources are: `train` where training is fast (many cores, a GPU with
 * tfjs-node-gpu), `arm` where the firmware tools and QEMU are installed, `cpu` for the rest
 * (synthesis, features, evaluation, reports). Workflows and bookkeeping stay on the run's
 * queue (`tinyops` by default); only the stage activities are routed.
 *
 * Routing is on when the run asks for it (`tinyops run --queues-by-kind`) or a stage names a
 * `queue:` in the pipeline file. Without either, every stage runs on the run's own queue,
 * which the in-process worker serves (the one-machine default).
 */
export type QueueClass = 'cpu' | 'train' | 'arm';

const CLASS_BY_KIND: Readonly<Record<string, QueueClass>> = {
  train: 'train',
  'train-ae': 'train',
  dnas: 'train',
  deploy: 'arm',
};

/** The default queue of a stage kind: `train` for training and search, `arm` for deploy, else `cpu`. */
export function defaultQueueClass(kind: string): QueueClass {
  return CLASS_BY_KIND[kind] ?? 'cpu';
}

/**
 * Task queue of each stage's activity, for the stages that leave the run's queue: a stage's
 * own `queue:` always; with `byKind`, every other stage's default class.
 */
export function stageTaskQueues(pipeline: ResolvedPipeline, byKind: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of pipeline.stages) {
    if (s.queue !== undefined) out[s.name] = s.queue;
    else if (byKind) out[s.name] = defaultQueueClass(s.kind);
  }
  return out;
}

/** `a,b , c` → ["a", "b", "c"] (the `--queue` list of `tinyops worker`), duplicates removed. */
export function parseQueueList(list: string): string[] {
  return [
    ...new Set(
      list
        .split(',')
        .map((q) => q.trim())
        .filter((q) => q !== ''),
    ),
  ];
}
