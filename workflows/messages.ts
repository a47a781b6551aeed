import { defineQuery } from '@temporalio/workflow';
import type { PipelineProgress } from './types';

/** Per-stage status of a pipeline run; the CLI polls it to render progress. */
export const progressQuery = defineQuery<PipelineProgress>('progress');
