/** The calendar dissector: links counted, inline attachments as members. */
import type { Dissector } from '../../dissect/dissector.js';
import { isCalendar, scanCalendar } from './scan-ics.js';

/** Creates the iCalendar dissector (stateless). Chooses by `BEGIN:VCALENDAR`, never by name or declared type. */
export function createIcsDissector(): Dissector {
  return {
    name: 'ics',
    accepts: (subject) => isCalendar(subject.content),
    dissect: async (subject, ctx) => scanCalendar(subject.content, subject.path, ctx.budget),
  };
}
