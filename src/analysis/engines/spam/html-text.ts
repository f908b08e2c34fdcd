/**
 * HTML for the spam tokens: the visible text (what the reader sees, entity
 * decoded, without script and style) and the structure facts the content
 * rules need: images, links and text hidden by CSS. Tags and their
 * attributes are read by the HTML dissector's tokenizer (tokenizeHtml), so
 * links are the ones URL extraction sees; the text between tags comes from a
 * walk of the same shape here, because that tokenizer reports tags only.
 * Both are linear; neither throws.
 */
import { decodeEntities, tokenizeHtml } from '../../documents/html/index.js';

export interface HtmlFacts {
  /** Visible text, tags removed, entities decoded, at most `maxChars`. */
  readonly text: string;
  /** Characters of text inside elements hidden by CSS (display:none, visibility:hidden, font-size 0/1px, same colour as background). */
  readonly hiddenChars: number;
  /** `<img>` elements with a `src`. */
  readonly images: number;
  /** Link targets (`<a href>`, `<area href>`, `<form action>`), raw, at most MAX_LINKS. */
  readonly links: readonly string[];
  /** Lower-case tag names used, distinct, at most MAX_TAG_NAMES. */
  readonly tags: readonly string[];
}

const MAX_LINKS = 200;
const MAX_TAG_NAMES = 100;
// Elements whose content is not shown as text.
const SKIPPED = new Set(['script', 'style', 'head', 'title', 'noscript', 'template']);
// Void elements have no content to hide.
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
// Elements that break a line, so that words on either side do not run together.
const BLOCK = /^(?:br|p|div|li|tr|td|th|h[1-6]|table|ul|ol|blockquote|center|hr)$/u;
const HIDING_STYLE = /(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*[01](?:\.\d+)?\s*(?:px|pt)?\s*(?:;|$|!))/iu;
const STYLE_ATTR = /\bstyle\s*=\s*(?:"([^"]*)"|'([^']*)')/iu;
const COLOR = /(?:^|;)\s*color\s*:\s*([#\w]+)/iu;
const BACKGROUND = /background(?:-color)?\s*:\s*([#\w]+)/iu;

/** Reads one HTML part. `maxChars` bounds both the markup scanned and the text kept. */
export function readHtml(html: string, maxChars: number): HtmlFacts {
  const markup = html.slice(0, maxChars * 4);
  let images = 0;
  const links: string[] = [];
  const tags = new Set<string>();
  tokenizeHtml(markup, (tag) => {
    if (tag.closing) return;
    if (tags.size < MAX_TAG_NAMES) tags.add(tag.name);
    if (tag.name === 'img' && (tag.attrs.get('src') ?? '') !== '') images++;
    const target = tag.name === 'form' ? tag.attrs.get('action') : tag.name === 'a' || tag.name === 'area' ? tag.attrs.get('href') : undefined;
    if (target !== undefined && target.trim() !== '' && links.length < MAX_LINKS) links.push(target.trim());
  });
  const { text, hiddenChars } = visibleText(markup, maxChars);
  return { text, hiddenChars, images, links, tags: [...tags] };
}

/** The text between tags, with the characters inside CSS-hidden elements counted apart (and left out). */
function visibleText(markup: string, maxChars: number): { text: string; hiddenChars: number } {
  const pieces: string[] = [];
  let kept = 0;
  let hiddenChars = 0;
  // The element that hides text, and how deep we are inside elements of its name.
  let hiding: { name: string; depth: number } | undefined;
  let i = 0;
  while (i < markup.length && kept < maxChars) {
    const lt = markup.indexOf('<', i);
    const textEnd = lt < 0 ? markup.length : lt;
    if (textEnd > i) {
      const text = decodeEntities(markup.slice(i, textEnd));
      if (hiding === undefined) {
        pieces.push(text);
        kept += text.length;
      } else {
        hiddenChars += text.replace(/\s+/gu, '').length;
      }
    }
    if (lt < 0) break;
    if (markup.startsWith('<!--', lt)) {
      const end = markup.indexOf('-->', lt + 4);
      i = end < 0 ? markup.length : end + 3;
      continue;
    }
    const gt = markup.indexOf('>', lt + 1);
    if (gt < 0) break;
    const inner = markup.slice(lt + 1, gt);
    i = gt + 1;
    const closing = inner.startsWith('/');
    const name = /^\/?([a-zA-Z][a-zA-Z0-9:-]*)/u.exec(inner)?.[1]?.toLowerCase();
    if (name === undefined) {
      // `<` that starts no tag is text (`a < b`).
      pieces.push('<');
      i = lt + 1;
      continue;
    }
    if (BLOCK.test(name)) pieces.push('\n');
    if (!closing && SKIPPED.has(name)) {
      // The name is [a-z0-9:-] only (matched above), so it is safe in a pattern.
      const end = new RegExp(`</${name}`, 'giu');
      end.lastIndex = i;
      i = end.exec(markup)?.index ?? markup.length;
      continue;
    }
    if (hiding !== undefined && name === hiding.name && !VOID.has(name)) {
      hiding.depth += closing ? -1 : 1;
      if (hiding.depth === 0) hiding = undefined;
      continue;
    }
    if (hiding === undefined && !closing && !VOID.has(name) && !inner.endsWith('/') && hides(inner)) hiding = { name, depth: 1 };
  }
  // Inline tags join without a space, as a browser renders `<b>F</b>ree`.
  return { text: pieces.join('').slice(0, maxChars), hiddenChars };
}

/** A start tag whose inline style hides its content, or paints it in its own background colour. */
function hides(inner: string): boolean {
  const match = STYLE_ATTR.exec(inner);
  const style = decodeEntities(match?.[1] ?? match?.[2] ?? '');
  if (HIDING_STYLE.test(style)) return true;
  const color = COLOR.exec(style)?.[1]?.toLowerCase();
  const background = BACKGROUND.exec(style)?.[1]?.toLowerCase();
  return color !== undefined && color === background;
}
