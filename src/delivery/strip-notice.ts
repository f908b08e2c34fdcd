/**
 * The text part that takes a stripped attachment's place: a notice built from
 * the operator's template with the attachment's name, type and the reason,
 * every value sanitised and bounded, encoded so that it can never be read as
 * MIME structure (no line that could pass for a delimiter).
 */
import { Buffer } from 'node:buffer';
import type { MimeNode } from '@zone-eu/mailsplit';
import libmime from 'libmime';

// Notice values: long enough to recognise the file, short enough for one header line (RFC 5322 §2.1.1).
const MAX_NAME_CHARS = 120;
const MAX_TYPE_CHARS = 100;
const MAX_REASON_CHARS = 200;
// A name this short goes in one quoted parameter; longer ones use RFC 2231 continuations.
const MAX_SIMPLE_PARAM = 60;
// RFC 5322 §2.1.1: at most 998 characters on a line.
const MAX_LINE = 998;
// RFC 2045 §6.8: base64 lines are at most 76 characters.
const BASE64_LINE = 76;
// C0/C1 controls, soft hyphen, and the invisible and bidirectional formatting characters
// (U+202E RIGHT-TO-LEFT OVERRIDE makes `exe.txt` read as `txt.exe`): none belongs in a label.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Hostile text made into a bounded, single-line, visible label. */
export function sanitizeLabel(value: string, maxChars: number): string {
  const cleaned = value
    .slice(0, maxChars * 4)
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(/[\t\r\n]+/g, ' ')
    .replace(UNSAFE_CHARS, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  const points = Array.from(cleaned);
  return points.length > maxChars ? points.slice(0, maxChars).join('').trimEnd() : cleaned;
}

/** The replacement entity: its own headers, an empty line, the notice body (no final line end). */
export function buildNotice(node: MimeNode, reason: string, template: string, eol: string): Buffer {
  const name = sanitizeLabel(node.filename === false ? '' : node.filename, MAX_NAME_CHARS);
  const type = sanitizeLabel(node.contentType === false ? 'text/plain' : node.contentType, MAX_TYPE_CHARS);
  const why = sanitizeLabel(reason, MAX_REASON_CHARS);
  // Quotes and path separators have no business in a saved file name; they are swapped, not escaped.
  const fileName = `${name.replace(/"/g, "'").replace(/[/\\]/g, '_') || 'attachment'}.removed.txt`;
  const text = template.replace(/\{(name|type|reason)\}/g, (_match, key: string) => (key === 'name' ? name : key === 'type' ? type : why));
  const lines = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  // 7bit only when it cannot be mistaken for structure: ASCII, short lines, no line that could be a delimiter.
  const plain = lines.every((line) => line.length <= MAX_LINE && /^[\x20-\x7e\t]*$/.test(line) && !line.startsWith('--'));
  const body = plain ? lines.join(eol) : wrapBase64(Buffer.from(lines.join('\r\n'), 'utf8').toString('base64'), eol);
  const headers = [
    `Content-Type: text/plain; charset=utf-8;${eol} name=${nameParam(fileName, eol)}`,
    `Content-Transfer-Encoding: ${plain ? '7bit' : 'base64'}`,
    dispositionHeader(fileName, eol),
    fold(`X-Moat-Stripped: ${isSimple(why) ? why : libmime.encodeWords(why, 'Q', 52)}`, eol),
  ];
  return Buffer.from(`${headers.join(eol)}${eol}${eol}${body}`, 'utf8');
}

function isSimple(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}

/** Content-Type `name` for old clients: quoted ASCII, or RFC 2047 encoded-words one per line (as nodemailer writes it). */
function nameParam(fileName: string, eol: string): string {
  return isSimple(fileName) ? `"${fileName}"` : `"${libmime.encodeWords(fileName, 'B', 52).split(' ').join(`${eol} `)}"`;
}

/** Content-Disposition with `filename`: quoted when short ASCII, else RFC 2231 (charset, continuations). */
function dispositionHeader(fileName: string, eol: string): string {
  if (isSimple(fileName) && fileName.length <= MAX_SIMPLE_PARAM) return `Content-Disposition: attachment; filename="${fileName}"`;
  const params = libmime.buildHeaderParam('filename', fileName, MAX_SIMPLE_PARAM);
  const rendered = params.map((param) => `${param.key}=${param.key.endsWith('*') ? param.value : `"${param.value}"`}`);
  return ['Content-Disposition: attachment', ...rendered].join(`;${eol} `);
}

function fold(header: string, eol: string): string {
  return libmime.foldLines(header, 76).replace(/\r?\n/g, eol).trimEnd();
}

function wrapBase64(encoded: string, eol: string): string {
  const lines: string[] = [];
  for (let at = 0; at < encoded.length; at += BASE64_LINE) lines.push(encoded.slice(at, at + BASE64_LINE));
  return lines.join(eol);
}
