// Public surface of src/report for the engine and the CLI.
export type { Summary, Timeline, TimelineBucket, ThresholdResult, EndpointSummary, Percentiles, FeedQualitySummary } from '../run/summary.ts';
export { finalizeSummary, writeRunFolder, renderRunFiles, RUN_FILES, type RunFolderInput, type SummaryParts } from './write.ts';
export { readRunFolder } from './read.ts';
export { renderJunit } from './junit.ts';
export { renderMarkdown } from './markdown.ts';
export { renderSummaryText } from './text.ts';
export { renderHtml } from './html/render.ts';
export { stableStringify } from './stable-json.ts';
export * from './thresholds/index.ts';
