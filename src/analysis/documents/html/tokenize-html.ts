/**
 * A tolerant, bounded HTML/SVG tag scanner. No DOM: it finds start and end
 * tags with their attributes and the raw text of `<script>` elements, the
 * way a browser's tokenizer would find them in broken markup. Scripts are
 * text; nothing here runs them.
 */

export interface HtmlTag {
  /** Lower-case tag name (`form`, `input`, `svg:script` stays as written, lower-cased). */
  readonly name: string;
  readonly closing: boolean;
  /** Lower-case attribute names to entity-decoded values (first occurrence wins, as in browsers). */
  readonly attrs: ReadonlyMap<string, string>;
}

// Attributes per tag stay in the tens in real pages; tags are not stored, so their number needs no bound.
const MAX_ATTRS = 128;
const MAX_ATTR_NAME = 256;
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'noscript']);

/**
 * Scans `text`, handing each tag to `onTag` in document order. Returns the
 * script text: inline `<script>` bodies, event-handler attributes and
 * `javascript:` URLs. Linear in the input; never throws.
 */
export function tokenizeHtml(text: string, onTag: (tag: HtmlTag) => void): string[] {
  const scripts: string[] = [];
  const len = text.length;
  let i = 0;
  while (i < len) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    i = lt + 1;
    const next = text[i] ?? '';
    if (text.startsWith('!--', i)) {
      const end = text.indexOf('-->', i + 3);
      i = end < 0 ? len : end + 3;
      continue;
    }
    if (next === '!' || next === '?') {
      const end = text.indexOf('>', i);
      i = end < 0 ? len : end + 1;
      continue;
    }
    const closing = next === '/';
    const nameStart = closing ? i + 1 : i;
    if (!/[a-zA-Z]/.test(text[nameStart] ?? '')) continue;
    let k = nameStart;
    while (k < len && /[a-zA-Z0-9:_-]/.test(text[k] ?? '')) k++;
    const name = text.slice(nameStart, k).toLowerCase();
    const attrs = new Map<string, string>();
    k = readAttributes(text, k, attrs);
    onTag({ name, closing, attrs });
    for (const [attr, value] of attrs) {
      if (attr.startsWith('on')) scripts.push(value);
      else if (/^\s*javascript:/i.test(value)) scripts.push(value.replace(/^\s*javascript:/i, ''));
    }
    i = k;
    const local = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
    if (!closing && RAW_TEXT.has(local)) {
      const end = new RegExp(`</${escapeRegExp(name)}`, 'gi');
      end.lastIndex = i;
      const found = end.exec(text);
      const stop = found === null ? len : found.index;
      if (local === 'script') scripts.push(text.slice(i, stop));
      i = stop;
    }
  }
  return scripts;
}

/** Reads attributes from `start` to the end of the tag; returns the index after `>`. */
function readAttributes(text: string, start: number, attrs: Map<string, string>): number {
  const len = text.length;
  let k = start;
  while (k < len) {
    while (k < len && /[\s/]/.test(text[k] ?? '')) k++;
    if (k >= len) return len;
    if (text[k] === '>') return k + 1;
    const nameStart = k;
    while (k < len && k - nameStart < MAX_ATTR_NAME && !/[\s=>/]/.test(text[k] ?? '')) k++;
    const name = text.slice(nameStart, k).toLowerCase();
    if (k === nameStart) {
      k++;
      continue;
    }
    while (k < len && /\s/.test(text[k] ?? '')) k++;
    let value = '';
    if (text[k] === '=') {
      k++;
      while (k < len && /\s/.test(text[k] ?? '')) k++;
      const quote = text[k];
      if (quote === '"' || quote === "'") {
        const end = text.indexOf(quote, k + 1);
        const stop = end < 0 ? len : end;
        value = text.slice(k + 1, stop);
        k = stop + 1;
      } else {
        const valueStart = k;
        while (k < len && !/[\s>]/.test(text[k] ?? '')) k++;
        value = text.slice(valueStart, k);
      }
    }
    if (attrs.size < MAX_ATTRS && !attrs.has(name)) attrs.set(name, decodeEntities(value));
  }
  return len;
}

const NAMED: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", colon: ':', sol: '/', period: '.', lpar: '(', rpar: ')',
  tab: '\t', newline: '\n', nbsp: '\u00a0', equals: '=', quest: '?', num: '#', percnt: '%', commat: '@',
};

/** Decodes character references (numeric and the few named ones used to hide URLs and schemes). */
export function decodeEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});?/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
