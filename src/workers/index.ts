export { analyzeMessageFile } from './analysis-worker.js';
export type { AnalysisTask } from '../analysis/index.js';
