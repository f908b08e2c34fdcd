export { analyzeMessageFile } from './analysis-worker.js';
export type { AnalysisTask } from '../analysis/index.js';
export { renderPreviewTask } from './preview-worker.js';
export { authenticateMessage } from './auth-worker.js';
export type { AuthTask } from './auth-worker.js';
