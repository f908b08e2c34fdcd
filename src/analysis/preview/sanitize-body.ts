/**
 * Sanitises an HTML body into a fragment an analyst's browser may render:
 * sanitize-html with a strict allow-list (text, structure and tables; no
 * script, style, frames, objects, forms, SVG, MathML or document tags; no
 * `on*`, no `style`), links and images rebuilt from scratch, and a count of
 * what was removed. Every element and attribute that survives is one we
 * chose, and all text is re-escaped, so the output parses the same way in a
 * browser as it did here (no raw-text or foreign-content element survives
 * to be parsed differently: the mutation-XSS family).
 */
import sanitizeHtml from 'sanitize-html';
import { escapeForDisplay } from '../../core/index.js';
import { neutraliseBidi } from './neutralise.js';

export interface SanitizeHtmlOptions {
  /** Links live and remote images shown (the analyst asked); otherwise links inert, images a placeholder. */
  readonly remoteContent: boolean;
  /** A `cid:` reference (without the scheme, percent-decoded) to a data: URL, or undefined when it cannot be shown. */
  readonly resolveCid: (contentId: string) => string | undefined;
  /** Characters of sanitised output; more is cut at a tag boundary. */
  readonly maxOutputChars: number;
}

export interface SanitizeCounts {
  scripts: number;
  eventHandlers: number;
  styles: number;
  embeddedContent: number;
  forms: number;
  documentTags: number;
  remoteImages: number;
  remoteImagesShown: number;
  linksNeutralised: number;
  unsafeUrls: number;
  inlineImagesOmitted: number;
}

export interface SanitizedHtml {
  readonly html: string;
  readonly counts: SanitizeCounts;
  readonly truncated: boolean;
}

type Category = 'scripts' | 'styles' | 'embeddedContent' | 'forms' | 'documentTags';

/** Removed elements the analyst is told about, by kind. Anything else not allowed is dropped silently (its text kept). */
const CATEGORY_OF: ReadonlyMap<string, Category> = new Map<string, Category>([
  ['script', 'scripts'],
  ['style', 'styles'],
  ...['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'svg', 'math', 'video', 'audio', 'source', 'track', 'canvas', 'portal', 'param'].map(
    (tag): [string, Category] => [tag, 'embeddedContent'],
  ),
  ...['form', 'input', 'button', 'select', 'textarea', 'keygen', 'datalist'].map((tag): [string, Category] => [tag, 'forms']),
  ...['meta', 'base', 'link'].map((tag): [string, Category] => [tag, 'documentTags']),
]);

// Text, structure and tables. No bdo/bdi (they reorder text like the bidi overrides), no media, nothing active.
const ALLOWED_TAGS = [
  'a', 'abbr', 'address', 'b', 'big', 'blockquote', 'br', 'caption', 'center', 'cite', 'code', 'col', 'colgroup',
  'dd', 'del', 'dfn', 'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i',
  'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'sub',
  'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'tt', 'u', 'ul', 'var',
];

const TABLE_CELL = ['align', 'valign', 'colspan', 'rowspan', 'width', 'height'];
const ALLOWED_ATTRIBUTES: Record<string, sanitizeHtml.AllowedAttribute[]> = {
  '*': ['title', 'lang', { name: 'dir', values: ['ltr', 'rtl', 'auto'] }],
  // Rebuilt by transformLink: only what it sets survives.
  a: ['href', 'rel', 'target'],
  // Rebuilt by transformImage: src is a data: URL we made from a cid: part, or (remoteContent) http(s).
  img: ['src', 'alt', 'width', 'height'],
  table: ['align', 'width', 'border', 'cellpadding', 'cellspacing'],
  td: TABLE_CELL,
  th: TABLE_CELL,
  col: ['span', 'width'],
  colgroup: ['span', 'width'],
  p: ['align'],
  div: ['align'],
  ol: ['start', 'type'],
};

// Disallowed tags whose text goes with them: raw text (script, style, xmp, noscript), RCDATA (title,
// textarea), or content that is not the message's text (svg, math, template, option, object fallbacks).
const NON_TEXT_TAGS = ['script', 'style', 'textarea', 'option', 'xmp', 'noscript', 'noembed', 'noframes', 'iframe', 'title', 'template', 'svg', 'math', 'object', 'applet', 'select'];

// Attributes whose value a browser would fetch or navigate to.
const URL_ATTRIBUTES: ReadonlySet<string> = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'background', 'poster', 'data', 'lowsrc', 'dynsrc', 'longdesc', 'cite', 'codebase', 'ping']);
const SAFE_SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 'mailto', 'cid']);

/** Nothing removed yet (also the notes of a message without an HTML body). */
export function emptySanitizeCounts(): SanitizeCounts {
  return {
    scripts: 0,
    eventHandlers: 0,
    styles: 0,
    embeddedContent: 0,
    forms: 0,
    documentTags: 0,
    remoteImages: 0,
    remoteImagesShown: 0,
    linksNeutralised: 0,
    unsafeUrls: 0,
    inlineImagesOmitted: 0,
  };
}

// Elements nested deeper than this are dropped (their text kept): layout depth is a browser DoS.
const NESTING_LIMIT = 100;

/** Sanitises `html` (already bounded by the caller) into a fragment, with counts of what was removed. */
export function sanitizeHtmlBody(html: string, options: SanitizeHtmlOptions): SanitizedHtml {
  const counts = emptySanitizeCounts();

  const countRemoved = (name: string, attribs: sanitizeHtml.Attributes): void => {
    const category = CATEGORY_OF.get(name);
    if (category !== undefined) counts[category]++;
    for (const [attribute, value] of Object.entries(attribs)) {
      if (attribute.startsWith('on')) counts.eventHandlers++;
      else if (attribute === 'style') counts.styles++;
      else if (URL_ATTRIBUTES.has(attribute) && isUnsafeScheme(value)) counts.unsafeUrls++;
    }
  };

  const transformLink: sanitizeHtml.Transformer = (_name, attribs) => {
    const title = attribs['title'];
    const target = parseSafeUrl(attribs['href'], ['http:', 'https:', 'mailto:']);
    if (target === undefined) return { tagName: 'a', attribs: title === undefined ? {} : { title } };
    if (!options.remoteContent) {
      counts.linksNeutralised++;
      // Inert: no href, the destination readable on hover so the analyst sees where it pointed.
      return { tagName: 'a', attribs: { title: target } };
    }
    return { tagName: 'a', attribs: { href: target, rel: 'noopener noreferrer', target: '_blank', ...(title === undefined ? {} : { title }) } };
  };

  const transformImage: sanitizeHtml.Transformer = (_name, attribs) => {
    const kept: sanitizeHtml.Attributes = {};
    for (const key of ['alt', 'width', 'height', 'title']) {
      const value = attribs[key];
      if (value !== undefined) kept[key] = value;
    }
    const src = cleanUrl(attribs['src'] ?? '');
    if (/^cid:/iu.test(src)) {
      const dataUrl = options.resolveCid(decodeCid(src.slice(4)));
      if (dataUrl !== undefined) return { tagName: 'img', attribs: { ...kept, src: dataUrl } };
      counts.inlineImagesOmitted++;
      return { tagName: 'span', attribs: {}, text: '[inline image not shown]' };
    }
    const remote = parseSafeUrl(src, ['http:', 'https:']);
    if (remote === undefined) return { tagName: 'span', attribs: {}, text: src === '' ? '' : '[image removed]' };
    if (options.remoteContent) {
      counts.remoteImagesShown++;
      return { tagName: 'img', attribs: { ...kept, src: remote } };
    }
    counts.remoteImages++;
    return { tagName: 'span', attribs: { title: remote }, text: `[remote image blocked: ${escapeForDisplay(new URL(remote).host, 255)}]` };
  };

  const output = sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    allowedSchemes: [],
    allowedSchemesByTag: { a: ['http', 'https', 'mailto'], img: ['data', 'http', 'https'] },
    allowedSchemesAppliedToAttributes: ['href', 'src'],
    allowProtocolRelative: false,
    allowVulnerableTags: false,
    disallowedTagsMode: 'discard',
    nonTextTags: NON_TEXT_TAGS,
    nestingLimit: NESTING_LIMIT,
    parseStyleAttributes: false,
    onOpenTag: countRemoved,
    transformTags: {
      a: transformLink,
      img: transformImage,
      // Titles and alt texts are shown on hover: bidi overrides in them are made visible like in the text.
      '*': (tagName, attribs) => ({ tagName, attribs: Object.fromEntries(Object.entries(attribs).map(([key, value]) => [key, neutraliseBidi(value)])) }),
    },
    textFilter: (text) => neutraliseBidi(text),
  });
  if (output.length <= options.maxOutputChars) return { html: output, counts, truncated: false };
  // The output escapes every `<` that is not a tag, so cutting before one never splits a tag.
  const cut = output.lastIndexOf('<', options.maxOutputChars);
  return { html: output.slice(0, Math.max(cut, 0)), counts, truncated: true };
}

/**
 * Removes what a browser ignores in a URL attribute before reading its scheme
 * (leading/trailing C0 controls and spaces, tabs and newlines anywhere: WHATWG URL),
 * so `java\tscript:` is recognised for what it is.
 */
function cleanUrl(value: string): string {
  return value.replace(/[\t\n\r]/gu, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/gu, '');
}

function isUnsafeScheme(value: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/iu.exec(cleanUrl(value))?.[1];
  return scheme !== undefined && !SAFE_SCHEMES.has(scheme.toLowerCase());
}

/** The canonical form of `value` when it parses as an absolute URL of one of `protocols`. */
function parseSafeUrl(value: string | undefined, protocols: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  const cleaned = cleanUrl(value);
  if (!/^[a-z][a-z0-9+.-]*:/iu.test(cleaned)) return undefined;
  let url: URL;
  try {
    url = new URL(cleaned);
  } catch {
    return undefined;
  }
  if (!protocols.includes(url.protocol)) return undefined;
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.host === '') return undefined;
  return url.href;
}

function decodeCid(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
