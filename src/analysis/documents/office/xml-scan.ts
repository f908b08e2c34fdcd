/**
 * A small, safe XML scanner for OOXML parts: one forward pass that reports
 * start tags (local name and attributes), end tags, text and the presence of
 * a DOCTYPE. It never builds a tree, never recurses, never resolves a DTD or
 * an external entity, and expands only the five predefined entities and
 * character references, so a billion-laughs or XXE part is just text to it.
 * Malformed markup never stops the scan: every step advances.
 */

export type XmlEvent =
  | { readonly kind: 'start'; readonly name: string; readonly attributes: readonly XmlAttribute[]; readonly selfClosing: boolean }
  | { readonly kind: 'end'; readonly name: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'doctype' };

/** One attribute as written: duplicates are kept, because parsers disagree on which one wins. */
export interface XmlAttribute {
  readonly name: string;
  readonly value: string;
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Expands predefined entities and character references; anything else stays as written. */
export function decodeXmlEntities(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,4});/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
    }
    return PREDEFINED[ref] ?? whole;
  });
}

/** Every value of the attributes whose local name is `local` (case-sensitive, as XML is). */
export function attributeValues(attributes: readonly XmlAttribute[], local: string): string[] {
  return attributes.filter((a) => localName(a.name) === local).map((a) => a.value);
}

/** Local part of a qualified name (`w:instrText` -> `instrText`). */
export function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\r' || c === '\t';

/** Scans `text` and calls `visit` for each event, in document order. Linear in the input. */
export function scanXml(text: string, visit: (event: XmlEvent) => void): void {
  const n = text.length;
  let i = 0;
  const skipTo = (marker: string, from: number): number => {
    const at = text.indexOf(marker, from);
    return at < 0 ? n : at + marker.length;
  };
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) {
      visit({ kind: 'text', text: text.slice(i) });
      return;
    }
    if (lt > i) visit({ kind: 'text', text: text.slice(i, lt) });
    if (text.startsWith('<!--', lt)) {
      i = skipTo('-->', lt + 4);
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      // CDATA is literal text: mark it so that entity decoding does not apply, by escaping its ampersands.
      visit({ kind: 'text', text: text.slice(lt + 9, end < 0 ? n : end).replace(/&/g, '&amp;') });
      i = end < 0 ? n : end + 3;
    } else if (text.startsWith('<?', lt)) {
      i = skipTo('?>', lt + 2);
    } else if (text.startsWith('<!', lt)) {
      visit({ kind: 'doctype' });
      // An internal subset runs to `]`, then the declaration closes with `>`; nothing in it is read.
      const close = text.indexOf('>', lt);
      const open = text.indexOf('[', lt);
      i = open >= 0 && (close < 0 || open < close) ? skipTo('>', skipTo(']', open)) : close < 0 ? n : close + 1;
    } else if (text[lt + 1] === '/') {
      const close = text.indexOf('>', lt);
      visit({ kind: 'end', name: text.slice(lt + 2, close < 0 ? n : close).trim() });
      i = close < 0 ? n : close + 1;
    } else {
      i = scanStartTag(text, lt, visit);
    }
  }
}

function scanStartTag(text: string, lt: number, visit: (event: XmlEvent) => void): number {
  const n = text.length;
  let j = lt + 1;
  while (j < n && !isSpace(text[j]) && text[j] !== '>' && text[j] !== '/') j++;
  const name = text.slice(lt + 1, j);
  const attributes: XmlAttribute[] = [];
  for (;;) {
    while (j < n && isSpace(text[j])) j++;
    if (j >= n) break;
    if (text[j] === '>') {
      visit({ kind: 'start', name, attributes, selfClosing: false });
      return j + 1;
    }
    if (text[j] === '/') {
      if (text[j + 1] === '>') {
        visit({ kind: 'start', name, attributes, selfClosing: true });
        return j + 2;
      }
      j++;
      continue;
    }
    const nameStart = j;
    while (j < n && !isSpace(text[j]) && text[j] !== '=' && text[j] !== '>' && text[j] !== '/') j++;
    const attrName = text.slice(nameStart, j);
    while (j < n && isSpace(text[j])) j++;
    if (text[j] !== '=') {
      // A bare word: not XML, but keep going so the rest of the tag is still read.
      if (j === nameStart) j++;
      continue;
    }
    j++;
    while (j < n && isSpace(text[j])) j++;
    const quote = text[j];
    if (quote !== '"' && quote !== "'") continue;
    const end = text.indexOf(quote, j + 1);
    const value = text.slice(j + 1, end < 0 ? n : end);
    attributes.push({ name: attrName, value: decodeXmlEntities(value) });
    j = end < 0 ? n : end + 1;
  }
  visit({ kind: 'start', name, attributes, selfClosing: false });
  return n;
}
