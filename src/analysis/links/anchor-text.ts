/**
 * The site an anchor's visible text names, if it names one: a URL
 * (`https://bank.example/login`), a `www.` host, or text that is a bare
 * domain (`bank.example`). Prose ("Click here", "report.pdf") names none.
 */

// `scheme://host` anywhere in the text; the host stops at the path, query, port or white space.
const URL_IN_TEXT = /(?:https?|ftp):[\\/]{2}([^\s\\/?#<>"'`]+)/iu;
// A `www.` host anywhere in the text, not glued to a preceding word.
const WWW_IN_TEXT = /(?:^|[^\p{L}\p{N}.@-])(www\.[^\s\\/?#<>"'`,;:]+)/iu;
// The whole text is a domain, optionally with a path: `bank.example`, `bank.example/login`.
const BARE_DOMAIN = /^((?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?\.)+(\p{L}{2,63}))\.?(?:\/\S*)?$/u;
// Text like `report.pdf` or `index.html` names a file, not a site; these last labels are file types
// far more often than top-level domains (.zip and .mov are real TLDs, but rare in anchor text as sites).
const FILE_TYPES: ReadonlySet<string> = new Set([
  'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'txt', 'csv', 'rtf', 'odt', 'zip', 'rar', 'gz', 'tgz', '7z', 'exe',
  'msi', 'dmg', 'iso', 'img', 'jpg', 'jpeg', 'png', 'gif', 'bmp', 'svg', 'webp', 'mp3', 'mp4', 'mov', 'avi', 'wav', 'htm',
  'html', 'php', 'asp', 'aspx', 'jsp', 'cgi', 'pl', 'js', 'css', 'xml', 'json', 'ics', 'vcf', 'eml', 'msg', 'py',
]);
const TOP_LEVEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/u;
// Trailing punctuation a sentence adds after a domain.
const TRAILING = /[.,;:!?)\]'"]+$/u;

/** A site named by anchor text: `explicit` when written as a URL or `www.` host, not as a bare name (`Walmart.com`). */
export interface ShownHost {
  /** Normalised: lower-case, IDN as A-labels. */
  readonly host: string;
  readonly explicit: boolean;
}

/** The host the text shows, or undefined when it names none. */
export function hostShownIn(text: string): ShownHost | undefined {
  const url = URL_IN_TEXT.exec(text)?.[1];
  if (url !== undefined) return shown(toHost(url.slice(url.lastIndexOf('@') + 1)), true);
  const www = WWW_IN_TEXT.exec(text)?.[1];
  if (www !== undefined) return shown(toHost(www.replace(TRAILING, '')), true);
  const bare = BARE_DOMAIN.exec(text.trim().replace(TRAILING, ''));
  if (bare?.[1] === undefined || FILE_TYPES.has((bare[2] ?? '').toLowerCase())) return undefined;
  return shown(toHost(bare[1]), false);
}

function shown(host: string | undefined, explicit: boolean): ShownHost | undefined {
  return host === undefined ? undefined : { host, explicit };
}

function toHost(candidate: string): string | undefined {
  try {
    const host = new URL(`http://${candidate}/`).hostname;
    // A top-level domain is letters (or an IDN's A-label): `www.example.o rg` broken by a line wrap names no site.
    return TOP_LEVEL.test(host.slice(host.lastIndexOf('.') + 1)) && host.includes('.') ? host : undefined;
  } catch {
    // Not a host a browser would accept: the text names no site.
    return undefined;
  }
}
