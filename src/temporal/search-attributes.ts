import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes tinyops sets on every pipeline run, so the Temporal UI can filter runs
 * by pipeline, config and produced artifacts (DESIGN.md §4 "Lineage in Temporal").
 * Registered on connect (operator API); where that is not allowed they are left out.
 */
export const pipelineKey = defineSearchAttributeKey('TinyopsPipeline', SearchAttributeType.KEYWORD);
export const configHashKey = defineSearchAttributeKey('TinyopsConfigHash', SearchAttributeType.KEYWORD);
export const datasetDigestKey = defineSearchAttributeKey('TinyopsDatasetDigest', SearchAttributeType.KEYWORD);
export const modelDigestKey = defineSearchAttributeKey('TinyopsModelDigest', SearchAttributeType.KEYWORD);

export const allSearchAttributeKeys = [pipelineKey, configHashKey, datasetDigestKey, modelDigestKey];
