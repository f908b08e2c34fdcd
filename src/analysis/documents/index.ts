/**
 * Documents that carry active content or other files: PDF, RTF, OneNote,
 * Windows shortcuts, HTML/SVG and calendar invites. Dissectors yield the
 * embedded files as members (the pipeline analyses them recursively) and
 * report structural findings; the shortcut engine reports per artifact.
 * Everything chooses by content, never by name. Office (OLE/OOXML) lives in
 * `office/`, owned separately.
 */
export { createPdfDissector, PDF_FINDINGS } from './pdf/index.js';
export type { PdfSymbol } from './pdf/index.js';
export { createRtfDissector, RTF_FINDINGS } from './rtf/index.js';
export type { RtfSymbol } from './rtf/index.js';
export { createOneNoteDissector, ONENOTE_FINDINGS } from './onenote/index.js';
export type { OneNoteSymbol } from './onenote/index.js';
export { createHtmlDissector, HTML_FINDINGS } from './html/index.js';
export type { HtmlSymbol } from './html/index.js';
export { createIcsDissector, ICS_FINDINGS } from './ics/index.js';
export type { IcsSymbol } from './ics/index.js';
export { createLnkEngine, LNK_FINDINGS } from './lnk/index.js';
export type { LnkSymbol } from './lnk/index.js';
