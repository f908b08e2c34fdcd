/** Safe preview of a held message: sanitised in a bounded worker thread, metadata only for attachments. */
export { renderPreview } from './render-preview.js';
export { sanitizeHtmlBody } from './sanitize-body.js';
export type { SanitizeCounts, SanitizedHtml, SanitizeHtmlOptions } from './sanitize-body.js';
export { neutraliseText, neutraliseBidi } from './neutralise.js';
export { readPreviewHeaders } from './read-headers.js';
export { createPreviewPool } from './pool.js';
export type { PreviewPool, PreviewPoolOptions, PreviewTask } from './pool.js';
export { DEFAULT_PREVIEW_LIMITS } from './types.js';
export type { MessagePreview, PreviewAttachment, PreviewHeaders, PreviewLimits, PreviewNotes, PreviewOptions } from './types.js';
