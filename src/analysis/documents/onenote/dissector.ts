/** The OneNote dissector: files embedded in a section become members. */
import type { Dissector } from '../../dissect/dissector.js';
import { isOneNote, scanOneNote } from './scan-onenote.js';

/** Creates the OneNote dissector (stateless). Chooses by the section GUID, never by name. */
export function createOneNoteDissector(): Dissector {
  return {
    name: 'onenote',
    accepts: (subject) => isOneNote(subject.content),
    dissect: async (subject, ctx) => scanOneNote(subject.content, subject.path, ctx.budget),
  };
}
