// Entry for the worker's workflow bundle (workflowsPath). Workflows only.
export { pipelineWorkflow } from './pipeline';
export { stageWorkflow } from './stage';
export { promotionWorkflow } from './promotion';
