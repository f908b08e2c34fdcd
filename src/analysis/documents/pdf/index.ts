/** PDF: a bounded object scanner that reports actions and yields embedded files. */
export { createPdfDissector } from './dissector.js';
export { isPdf, scanPdf } from './scan-pdf.js';
export type { PdfSymbol } from './findings.js';
export { PDF_FINDINGS } from './findings.js';
