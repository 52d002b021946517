export { parseThreshold, parseThresholds, parseFigure, convertToFigureUnit, ThresholdParseError, type Threshold, type Comparison } from './parse.ts';
export { evaluateThreshold, evaluateThresholds, describeObserved, formatFigure, compare } from './evaluate.ts';
export { createThresholdAbortPlugin, type AbortOptions } from './abort.ts';
export { resolveFigure, type FigureRef, type Dimension, type SummaryLike } from './figures.ts';
