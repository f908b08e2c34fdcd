/** The RTF dissector: embedded OLE objects as members, exploit classes and tricks as findings. */
import type { Dissector } from '../../dissect/dissector.js';
import { isRtf, scanRtf } from './scan-rtf.js';

/** Creates the RTF dissector (stateless). Chooses by the `{\rt` signature Word itself checks, never by name. */
export function createRtfDissector(): Dissector {
  return {
    name: 'rtf',
    accepts: (subject) => isRtf(subject.content),
    dissect: async (subject, ctx) => scanRtf(subject.content, subject.path, ctx.budget),
  };
}
