/** The HTML/SVG dissector: smuggling, credential forms, redirects; decoded payloads as members. */
import type { Dissector } from '../../dissect/dissector.js';
import { isHtml, scanHtml } from './scan-html.js';

/** Creates the HTML dissector (stateless). Chooses by content (markup), for bodies and attachments alike. */
export function createHtmlDissector(): Dissector {
  return {
    name: 'html',
    accepts: isHtml,
    dissect: async (subject, ctx) => scanHtml(subject.content, subject.path, ctx.budget),
  };
}
