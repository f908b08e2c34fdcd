/**
 * HTML and SVG analysis (mail bodies and attachments alike): HTML smuggling
 * (an encoded file assembled and saved by script), credential forms,
 * redirects and script obfuscation. Decoded payloads (smuggled blobs,
 * `data:` URLs, `document.write(atob(...))` pages) become members so the
 * whole pipeline sees what the browser would build.
 */
import { Buffer } from 'node:buffer';
import { escapeForDisplay } from '../../../core/index.js';
import type { Finding } from '../../../core/index.js';
import type { ExpansionBudget } from '../../dissect/budget.js';
import type { DissectResult, DissectSubject, Member } from '../../dissect/dissector.js';
import { decodePercent, decodeRun, summariseEncoded } from './encoded.js';
import { createHtmlFinding } from './findings.js';
import {
  DECODE_APIS,
  LARGE_BLOB_CHARS,
  MAX_MEMBERS,
  MIN_BLOB_ENTROPY,
  OBFUSCATION_PATTERNS,
  PASSIVE_DATA_TYPES,
  SAVE_APIS,
  SCRIPT_PASSWORD_FIELD,
  SCRIPT_REDIRECT,
  SMALL_BLOB_CHARS,
} from './tables.js';
import { tokenizeHtml } from './tokenize-html.js';

const SNIFF_BYTES = 4096;
const MARKUP_TYPES = new Set(['text/html', 'application/hta', 'image/svg+xml', 'application/xml', 'text/xml', 'application/xhtml+xml']);
const LEADING_TAG = /^<(!doctype\s+html|html|head|body|script|svg|meta|form|iframe|div|table|p|span|a|center|font|style|title|img|br|base|link)(?=[\s>/]|$)/;
const ANYWHERE = ['<html', '<script', '<svg', '<body', '<form', '<iframe'];
const URL_ATTRIBUTES = ['href', 'src', 'data', 'action', 'xlink:href', 'formaction', 'poster'];
const DETAIL_CHARS = 160;
const MAX_LISTED = 3;
// Forms do not nest in HTML; a deep stack of open forms is junk, not structure.
const MAX_OPEN_FORMS = 64;

/** True for markup a browser renders as HTML or SVG: by content, and only when no other type was detected. */
export function isHtml(subject: DissectSubject): boolean {
  if (subject.detected !== undefined && !MARKUP_TYPES.has(subject.detected.type)) return false;
  const head = decodeText(subject.content.subarray(0, SNIFF_BYTES));
  if (head.slice(0, 1024).includes('\0')) return false;
  const lower = head.toLowerCase();
  const trimmed = lower.replace(/^\ufeff?\s*/, '');
  if (LEADING_TAG.test(trimmed)) return true;
  return ANYWHERE.some((marker) => lower.includes(marker));
}

/** Scans one HTML or SVG document. */
export function scanHtml(content: Uint8Array, path: string, budget: ExpansionBudget): DissectResult {
  const text = decodeText(content);
  const findings: Finding[] = [];
  const members: Member[] = [];
  const addMember = (prefix: string, data: Buffer): void => {
    if (members.length >= MAX_MEMBERS) return;
    budget.chargeEntry();
    members.push({ name: `${prefix}-${members.length + 1}.bin`, kind: 'file', content: data });
  };

  // Forms and password fields, in document order; only what findings need is kept (bounded lists).
  const credential: { action: string; password: boolean }[] = [];
  const open: { action: string; password: boolean }[] = [];
  let orphanPasswords = 0;
  const refreshes: string[] = [];
  let dataUriCount = 0;
  const dataUriTypes = new Set<string>();
  let downloadSmuggling = 0;
  const scripts = tokenizeHtml(text, (tag) => {
    if (tag.name === 'form') {
      if (tag.closing) {
        open.pop();
      } else {
        if (open.length < MAX_OPEN_FORMS) open.push({ action: tag.attrs.get('action') ?? '', password: false });
      }
      return;
    }
    if (tag.closing) return;
    if (tag.name === 'input' && (tag.attrs.get('type') ?? '').trim().toLowerCase() === 'password') {
      const form = open[open.length - 1];
      if (form === undefined) {
        orphanPasswords++;
      } else if (!form.password) {
        form.password = true;
        if (credential.length < MAX_LISTED) credential.push(form);
      }
    }
    if (tag.name === 'meta' && (tag.attrs.get('http-equiv') ?? '').trim().toLowerCase() === 'refresh') {
      const target = /url\s*=\s*['"]?([^'"]+)/i.exec(tag.attrs.get('content') ?? '')?.[1];
      if (target !== undefined && refreshes.length < MAX_LISTED) refreshes.push(target.trim());
    }
    for (const attr of URL_ATTRIBUTES) {
      const value = tag.attrs.get(attr)?.trim();
      if (value === undefined) continue;
      const lower = value.slice(0, 5).toLowerCase();
      if (tag.name === 'a' && tag.attrs.has('download') && (lower === 'data:' || lower === 'blob:')) downloadSmuggling++;
      if (lower !== 'data:') continue;
      const parsed = parseDataUrl(value);
      if (parsed === undefined) continue;
      dataUriCount++;
      if (dataUriTypes.size < MAX_LISTED) dataUriTypes.add(parsed.type === '' ? 'text/plain' : parsed.type);
      if (members.length < MAX_MEMBERS) addMember('data-url', decodeDataUrl(parsed, budget));
    }
  });

  const script = scripts.join('\n');
  const saves = SAVE_APIS.filter((api) => api.pattern.test(script)).map((api) => api.name);
  const decodes = DECODE_APIS.filter((api) => api.pattern.test(script)).map((api) => api.name);
  const obfuscation = OBFUSCATION_PATTERNS.filter((p) => p.pattern.test(script)).map((p) => p.name);
  const encoded = summariseEncoded(script);
  const largest = encoded.largest;
  const dataLike = largest !== undefined && (largest.kind !== 'base64' || encoded.entropy >= MIN_BLOB_ENTROPY);
  const bigBlob = encoded.totalChars >= LARGE_BLOB_CHARS && saves.length + decodes.length > 0;
  const smallBlob = dataLike && encoded.totalChars >= SMALL_BLOB_CHARS && saves.length > 0 && (saves.length >= 2 || decodes.length > 0);
  const smuggling = bigBlob || smallBlob;

  if (smuggling || downloadSmuggling > 0) {
    const parts: string[] = [];
    if (smuggling) parts.push(`${encoded.totalChars} characters of encoded data in script`);
    if (downloadSmuggling > 0) parts.push(`${downloadSmuggling} download link(s) to data:/blob: URLs`);
    const apis = [...saves, ...decodes];
    const via = apis.length === 0 ? '' : `, assembled with ${apis.join(', ')}`;
    findings.push(createHtmlFinding('HTML_SMUGGLING', `builds a file in the browser: ${parts.join('; ')}${via}`, path));
  }
  // Decode the payload when it is one literal: the blob a smuggling page saves, or the page that obfuscated script writes out.
  if (largest !== undefined && ((smuggling && largest.text.length >= SMALL_BLOB_CHARS) || (obfuscation.length > 0 && largest.text.length >= 256))) {
    addMember(smuggling ? 'smuggled' : 'decoded-script', decodeRun(largest, budget));
  }

  const scriptPassword = SCRIPT_PASSWORD_FIELD.test(script);
  if (credential.length > 0 || orphanPasswords > 0 || scriptPassword) {
    const targets = credential.map((f) => describeAction(f.action));
    if (orphanPasswords > 0 || scriptPassword) targets.push('a password field outside any form (sent by script)');
    findings.push(createHtmlFinding('HTML_CREDENTIAL_FORM', `asks for a password: ${[...new Set(targets)].join('; ')}`, path));
  }
  if (obfuscation.length > 0) findings.push(createHtmlFinding('HTML_SCRIPT_OBFUSCATION', `script hides what it does: ${obfuscation.join(', ')}`, path));
  if (dataUriCount > 0) findings.push(createHtmlFinding('HTML_DATA_URI', `carries ${dataUriCount} data: URL(s) of active types (${[...dataUriTypes].map((t) => escapeForDisplay(t, 60)).join(', ')})`, path));
  if (refreshes.length > 0 || SCRIPT_REDIRECT.test(script)) {
    const where = refreshes.length > 0 ? `meta refresh to "${escapeForDisplay(refreshes[0] ?? '', DETAIL_CHARS)}"` : 'script sets the page location';
    findings.push(createHtmlFinding('HTML_REDIRECT', `sends the reader elsewhere: ${where}`, path));
  }
  return { members, findings };
}

function describeAction(action: string): string {
  const value = action.trim();
  const shown = `"${escapeForDisplay(value, DETAIL_CHARS)}"`;
  if (/^https?:\/\//i.test(value) || value.startsWith('//')) return `form posts off-site to ${shown}`;
  if (/^(data|javascript|blob):/i.test(value)) return `form posts to a ${value.slice(0, value.indexOf(':')).toLowerCase()}: URL`;
  if (value === '') return 'form without an action (sent by script)';
  return `form posts to ${shown}`;
}

interface DataUrl {
  readonly type: string;
  readonly base64: boolean;
  readonly payload: string;
}

/** Splits a `data:` URL (RFC 2397); passive media (images, fonts, CSS) give undefined. */
function parseDataUrl(url: string): DataUrl | undefined {
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const meta = url.slice(5, comma).trim();
  const type = (meta.split(';')[0] ?? '').trim().toLowerCase();
  if (PASSIVE_DATA_TYPES.test(type)) return undefined;
  return { type, base64: /;\s*base64$/i.test(meta), payload: url.slice(comma + 1) };
}

/** Decodes a `data:` URL payload, charging the budget first. */
function decodeDataUrl(url: DataUrl, budget: ExpansionBudget): Buffer {
  if (!url.base64) return decodePercent(url.payload, budget);
  const clean = url.payload.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))).replace(/\s+/g, '');
  budget.chargeBytes(Math.ceil((clean.length * 3) / 4));
  return Buffer.from(clean, 'base64');
}

/** Text of markup: UTF-16 when a BOM says so (browsers honour it), else UTF-8 (never throws). */
function decodeText(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.toString('utf16le', 2);
  if (buf[0] === 0xfe && buf[1] === 0xff) return Buffer.from(buf.subarray(2, 2 + ((buf.length - 2) & ~1))).swap16().toString('utf16le');
  return buf.toString('utf8');
}
