/** The PDF dissector: findings about actions and structure, embedded files as members. */
import type { Dissector } from '../../dissect/dissector.js';
import { isPdf, scanPdf } from './scan-pdf.js';

/** Creates the PDF dissector (stateless). Chooses by the `%PDF-` header in the first KiB, never by name. */
export function createPdfDissector(): Dissector {
  return {
    name: 'pdf',
    accepts: (subject) => isPdf(subject.content),
    dissect: async (subject, ctx) => scanPdf(subject.content, subject.path, ctx.budget),
  };
}
