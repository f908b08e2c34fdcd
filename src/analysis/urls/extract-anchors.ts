/**
 * Anchors of an HTML document with their visible text, for LINK_TEXT_MISMATCH
 * ("the text shows https://bank.example, the href goes to evil.example").
 * One linear pass that splits the markup into tags and text the way the
 * shared tokenizer (documents/html) does; each `<a>` and `<base>` tag is
 * handed to that tokenizer, so attributes are read exactly as the URL
 * extraction reads them (entity-decoded, first occurrence wins).
 */
import { decodeEntities, tokenizeHtml } from '../documents/html/index.js';

/** One `<a href>` and the text it shows, both as written (the href not yet resolved). */
export interface RawAnchor {
  readonly href: string;
  /** Visible text, entity-decoded, white space collapsed, at most MAX_ANCHOR_TEXT characters. */
  readonly text: string;
}

// Anchor text kept per link: a URL or domain shown to the reader fits easily; the rest is prose.
export const MAX_ANCHOR_TEXT = 256;
// Raw characters gathered per anchor before decoding (markup-heavy text with entities shrinks when decoded).
const MAX_RAW_TEXT = 4 * MAX_ANCHOR_TEXT;
// Elements whose content is not shown as text (or not parsed as markup), as the tokenizer skips them.
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'noscript']);
// Tags that break a line: their place in the anchor text becomes a space.
const BREAKS = new Set(['br', 'p', 'div', 'td', 'th', 'tr', 'li', 'table', 'span', 'img']);
const NAME_CHAR = /[a-zA-Z0-9:_-]/;
const SPACE = /\s/;

/**
 * Hands each anchor to `onAnchor` in document order; stops when it returns
 * false. Returns the first `<base href>` value (raw), which relative hrefs
 * resolve against. Linear in the input; never throws.
 */
export function extractHtmlAnchors(html: string, onAnchor: (anchor: RawAnchor) => boolean): string | undefined {
  const len = html.length;
  let base: string | undefined;
  let open: { href: string; raw: string } | undefined;
  let going = true;
  const close = (): void => {
    if (open !== undefined && going) going = onAnchor({ href: open.href, text: cleanText(open.raw) });
    open = undefined;
  };
  const addText = (from: number, to: number): void => {
    if (open !== undefined && open.raw.length < MAX_RAW_TEXT && to > from) open.raw += html.slice(from, Math.min(to, from + MAX_RAW_TEXT - open.raw.length));
  };
  let i = 0;
  while (i < len && going) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      addText(i, len);
      break;
    }
    addText(i, lt);
    i = lt + 1;
    if (html.startsWith('!--', i)) {
      const end = html.indexOf('-->', i + 3);
      i = end < 0 ? len : end + 3;
      continue;
    }
    const next = html[i] ?? '';
    if (next === '!' || next === '?') {
      const end = html.indexOf('>', i);
      i = end < 0 ? len : end + 1;
      continue;
    }
    const closing = next === '/';
    const nameStart = closing ? i + 1 : i;
    if (!/[a-zA-Z]/.test(html[nameStart] ?? '')) {
      // Not a tag: the `<` is text.
      addText(lt, lt + 1);
      continue;
    }
    let k = nameStart;
    while (k < len && NAME_CHAR.test(html[k] ?? '')) k++;
    const name = html.slice(nameStart, k).toLowerCase();
    const end = tagEnd(html, k);
    if (name === 'a') {
      close();
      if (!closing) {
        const href = attributesOf(html.slice(lt, end)).get('href');
        if (href !== undefined) open = { href, raw: '' };
      }
    } else if (name === 'base' && !closing && base === undefined) {
      base = attributesOf(html.slice(lt, end)).get('href');
    } else if (BREAKS.has(name) && open !== undefined && open.raw.length < MAX_RAW_TEXT) {
      open.raw += ' ';
    }
    i = end;
    const local = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
    if (!closing && RAW_TEXT.has(local)) {
      // The name is letters, digits and `:_-` only, so it needs no escaping in a pattern.
      const endTag = new RegExp(`</${name}`, 'gi');
      endTag.lastIndex = i;
      const found = endTag.exec(html);
      i = found === null ? len : found.index;
    }
  }
  close();
  return base;
}

function attributesOf(tag: string): ReadonlyMap<string, string> {
  let attrs: ReadonlyMap<string, string> = new Map();
  tokenizeHtml(tag, (t) => {
    attrs = t.attrs;
  });
  return attrs;
}

function cleanText(raw: string): string {
  return decodeEntities(raw).replace(/\s+/gu, ' ').trim().slice(0, MAX_ANCHOR_TEXT);
}

/**
 * The index after the tag whose attributes start at `start`: the tokenizer's attribute grammar (quoted
 * values may hold `>`), so both agree on where a tag ends in broken markup.
 */
function tagEnd(text: string, start: number): number {
  const len = text.length;
  let k = start;
  while (k < len) {
    while (k < len && /[\s/]/.test(text[k] ?? '')) k++;
    if (k >= len) return len;
    if (text[k] === '>') return k + 1;
    const nameStart = k;
    while (k < len && k - nameStart < 256 && !/[\s=>/]/.test(text[k] ?? '')) k++;
    if (k === nameStart) {
      k++;
      continue;
    }
    while (k < len && SPACE.test(text[k] ?? '')) k++;
    if (text[k] === '=') {
      k++;
      while (k < len && SPACE.test(text[k] ?? '')) k++;
      const quote = text[k];
      if (quote === '"' || quote === "'") {
        const close = text.indexOf(quote, k + 1);
        k = close < 0 ? len : close + 1;
      } else {
        while (k < len && !/[\s>]/.test(text[k] ?? '')) k++;
      }
    }
  }
  return len;
}
