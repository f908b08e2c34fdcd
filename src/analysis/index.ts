/**
 * Analysis: MIME tree -> artifacts -> engines -> findings, in bounded worker
 * threads. The composition root uses createAnalysisPool; analyzeMessage is the
 * same pipeline on the calling thread (the worker and tests use it).
 */
export type { AnalysisLimits, AnalysisTask, EngineSettings, ExpansionLimits } from './limits.js';
export { engineSetFor } from './engine-set.js';
export { DEFAULT_EXPANSION_LIMITS } from './limits.js';
export { analyzeMessage } from './analyze-message.js';
export type { AnalyzeOptions } from './analyze-message.js';
export type { AnalysisPool, AnalysisPoolOptions, AnalyzeJobOptions } from './pool.js';
export { createAnalysisPool } from './pool.js';
export { clamavHealth } from './engines/clamav/index.js';
export { writeProtectedZip } from './archive/zip/protected-zip.js';
export type { ProtectedZipEntry } from './archive/zip/protected-zip.js';
export { createYaraRuleSet, YaraRulesError } from './engines/yara/index.js';
export type { YaraRuleSet, YaraReloadResult } from './engines/yara/index.js';
export { matchEnvelope } from './engines/ioc/index.js';
export { createRegistrableDomain, isIpLiteral, LINK_FINDINGS, LINKS_ENGINE, MULTI_LABEL_SUFFIXES } from './links/index.js';
export type { RegistrableDomain } from './links/index.js';
export { createPreviewPool, DEFAULT_PREVIEW_LIMITS, renderPreview, sanitizeHtmlBody } from './preview/index.js';
export type { MessagePreview, PreviewAttachment, PreviewHeaders, PreviewLimits, PreviewNotes, PreviewOptions, PreviewPool, PreviewPoolOptions, PreviewTask } from './preview/index.js';
