import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes tinyops sets on every pipeline run, so the Temporal UI can filter runs
 * by pipeline, config and produced artifacts (docs/architecture.md#lineage-in-temporal).
 * Registered on connect (operator API); where that is not allowed they are left out.
 */
export const pipelineKey = defineSearchAttributeKey('TinyopsPipeline', SearchAttributeType.KEYWORD);
export const configHashKey = defineSearchAttributeKey('TinyopsConfigHash', SearchAttributeType.KEYWORD);
export const datasetDigestKey = defineSearchAttributeKey('TinyopsDatasetDigest', SearchAttributeType.KEYWORD);
export const modelDigestKey = defineSearchAttributeKey('TinyopsModelDigest', SearchAttributeType.KEYWORD);

/**
 * `running`, then `completed` or `failed`. A run whose stage failed still completes as a
 * workflow (its result carries every stage's status and message, which the CLI prints and
 * the run record keeps; a failed workflow would carry only one error), so this attribute is
 * what the UI filters on: `TinyopsStatus = "failed"`.
 */
export const statusKey = defineSearchAttributeKey('TinyopsStatus', SearchAttributeType.KEYWORD);

export const allSearchAttributeKeys = [pipelineKey, configHashKey, datasetDigestKey, modelDigestKey, statusKey];
