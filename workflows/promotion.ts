/**
 * promotionWorkflow: one champion / challenger decision (src/promotion/). The pipeline
 * workflow starts it as a child whose id names the pipeline and the store
 * (promotionExecutionId), so two runs that finish together decide one after the other: the
 * second start finds the id taken, waits and starts again, and then reads the champion the
 * first one wrote. Without this, both would compare with the same old champion and the last
 * writer would win. Temporal's workflow-id uniqueness is the lock; no lock files.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Bookkeeping } from '../activities/bookkeeping';
import type { PromoteInput, PromoteResult } from './types';

const bookkeeping = proxyActivities<Bookkeeping>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5, initialInterval: '1s' },
});

export async function promotionWorkflow(input: PromoteInput): Promise<PromoteResult> {
  return bookkeeping.promoteModel(input);
}

/**
 * Workflow id of the decisions of one pipeline in one store. FNV-1a of the store location
 * (workflow code cannot use node:crypto; this only has to tell stores apart in an id).
 */
export function promotionExecutionId(pipeline: string, store: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < store.length; i++) {
    h ^= store.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `tinyops-promote-${pipeline}-${h.toString(16).padStart(8, '0')}`;
}
