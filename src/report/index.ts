/**
 * The HTML report (stage `report`, docs/stages/report.md): gather a ReportModel from upstream
 * artifacts, render it to one self-contained page. The section builders and chart specs
 * are internal; charts are exported for other offline plots (e.g. an evaluate stage's).
 */
export { collectReportModel } from './collect-inputs';
export type { CollectOptions, ReportInputs, UpstreamOutputs } from './collect-inputs';
export { renderReportHtml } from './render-html';
export type { RenderedReport } from './render-html';
export { detChart, heatmap, histogram, lineChart, stackedBarChart } from './charts';
export { chartLibraryVersions } from './vega-svg';
export {
  reportModelSchema,
  datasetSummarySchema,
  featureSplitSchema,
  historySchema,
  evaluationSchema,
  eventEvaluationSchema,
  boardSchema,
} from './report-model';
export type {
  ReportModel,
  DatasetSummary,
  FeatureSplit,
  TrainingHistory,
  Evaluation,
  ReportEventEvaluation,
  BoardMetrics,
  UpstreamStage,
  RunInfo,
} from './report-model';
