/** The tar dissector: chosen by content (ustar magic or a valid v7 checksum), never by name. */
import type { Dissector } from '../../dissect/dissector.js';
import { looksLikeTar, parseTar } from './parse-tar.js';

/** Creates the tar dissector (stateless). */
export function createTarDissector(): Dissector {
  return {
    name: 'tar',
    accepts: (subject) => looksLikeTar(subject.content),
    dissect: async (subject, ctx) => parseTar(subject.content, ctx.budget, subject.path),
  };
}
