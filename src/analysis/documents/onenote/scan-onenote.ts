/**
 * OneNote sections (.one, [MS-ONESTORE]): every FileDataStoreObject (the
 * bytes of a file dropped on a page) becomes a member. We scan for the
 * object's header GUID instead of walking the file node lists: a lure only
 * needs OneNote to find the file, and a scan cannot be steered by forged
 * references.
 */
import { Buffer } from 'node:buffer';
import type { Finding } from '../../../core/index.js';
import type { ExpansionBudget } from '../../dissect/budget.js';
import type { DissectResult, Member } from '../../dissect/dissector.js';
import { createOneNoteFinding } from './findings.js';

// guidFileType of a .one section, {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3}, as stored (MS-ONESTORE 2.3.1).
const ONE_MAGIC = Buffer.from('e4525c7b8cd8a74daeb15378d02996d3', 'hex');
// FileDataStoreObject guidHeader {BDE316E7-2665-4511-A4C4-8D4D0B7A9EAC} (MS-ONESTORE 2.6.13).
const FDSO_HEADER = Buffer.from('e716e3bd65261145a4c48d4d0b7a9eac', 'hex');
// guidHeader (16) + cbLength (8) + unused (4) + reserved (8).
const FDSO_DATA_OFFSET = 36;

/** True for a OneNote section file (by its file-type GUID at offset 0). */
export function isOneNote(content: Uint8Array): boolean {
  return content.length >= ONE_MAGIC.length && Buffer.from(content.buffer, content.byteOffset, ONE_MAGIC.length).equals(ONE_MAGIC);
}

/** Extracts the embedded files of a OneNote section. */
export function scanOneNote(content: Uint8Array, path: string, budget: ExpansionBudget): DissectResult {
  const buf = Buffer.from(content.buffer, content.byteOffset, content.length);
  const members: Member[] = [];
  const problems: string[] = [];
  let at = buf.indexOf(FDSO_HEADER, ONE_MAGIC.length);
  while (at >= 0) {
    const start = at + FDSO_DATA_OFFSET;
    if (start > buf.length) {
      problems.push(`file data object at ${at} is truncated`);
      break;
    }
    const low = buf.readUInt32LE(at + 16);
    const high = buf.readUInt32LE(at + 20);
    // Never trust the declared length: clamp it to the bytes present.
    const declared = high * 0x1_0000_0000 + low;
    const available = buf.length - start;
    const size = Math.min(declared, available);
    if (declared > available) problems.push(`file data object at ${at} declares ${declared} bytes, ${available} present`);
    budget.chargeEntry();
    budget.chargeBytes(size);
    members.push({ name: `onenote-file-${members.length + 1}.bin`, kind: 'file', content: buf.subarray(start, start + size), declaredSize: declared });
    at = buf.indexOf(FDSO_HEADER, start + size);
  }
  const findings: Finding[] = [];
  if (members.length > 0) findings.push(createOneNoteFinding('ONENOTE_EMBEDDED_FILE', `embeds ${members.length} file(s) on its pages`, path));
  if (problems.length > 0) findings.push(createOneNoteFinding('ONENOTE_MALFORMED', `malformed: ${problems.slice(0, 3).join('; ')}`, path));
  return { members, findings };
}
