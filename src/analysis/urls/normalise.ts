/**
 * Turns a URL as written in a message into the one form the indicator store
 * matches (intel's normaliseUrl: WHATWG URL, lower-case scheme and host,
 * default port and fragment dropped), after undoing what a browser undoes.
 */
import { MAX_VALUE_LENGTH } from '../../intel/index.js';

// Schemes that reach a server an indicator can name; mailto:, cid:, data:, javascript: do not.
const FOLLOWED_SCHEMES = new Set(['http:', 'https:', 'ftp:']);
// No indicator is longer (intel refuses longer values), so nothing beyond this can match exactly;
// the host comes first and survives the cut, so domain and IP indicators still match.
export const MAX_URL_CHARS = MAX_VALUE_LENGTH;

// Userinfo kept per link for the links pass (LINK_USERINFO): enough to show the disguise, no more.
const MAX_USERINFO_CHARS = 256;

/** A link as extracted: its normalised URL, and the userinfo the URL carried before the `@`, if any. */
export interface ParsedLink {
  readonly url: string;
  /** `www.bank.example` for `https://www.bank.example@evil.example/`, percent-decoded where it decodes. */
  readonly userinfo?: string;
}

/**
 * The absolute, normalised form of `raw` (resolved against `base` when
 * relative), or undefined when it is not an http/https/ftp URL with a host.
 * The WHATWG parser does what browsers do with the usual disguises: it
 * percent-decodes the host, reads `\` as `/`, drops tabs and newlines, folds
 * the scheme and host case and reads decimal, hex and octal IPv4 hosts.
 * Userinfo (`http://bank.example@evil.example/`) is dropped: the host after
 * the `@` is where the link goes.
 */
export function toAbsoluteUrl(raw: string, base?: URL): string | undefined {
  return toLink(raw, base)?.url;
}

/** As `toAbsoluteUrl`, also returning the userinfo the link carried (the `user@host` disguise). */
export function toLink(raw: string, base?: URL): ParsedLink | undefined {
  let url: URL;
  try {
    url = new URL(raw.slice(0, MAX_URL_CHARS), base);
  } catch {
    // Not a URL a browser would follow: nothing to record.
    return undefined;
  }
  if (!FOLLOWED_SCHEMES.has(url.protocol) || url.hostname === '') return undefined;
  const userinfo = url.username === '' && url.password === '' ? '' : url.password === '' ? url.username : `${url.username}:${url.password}`;
  url.username = '';
  url.password = '';
  url.hash = '';
  // Percent-encoding can lengthen what the parser read; keep the stored form bounded too.
  const href = url.href.slice(0, MAX_URL_CHARS);
  return userinfo === '' ? { url: href } : { url: href, userinfo: decodeUserinfo(userinfo) };
}

function decodeUserinfo(value: string): string {
  const cut = value.slice(0, MAX_USERINFO_CHARS);
  try {
    return decodeURIComponent(cut);
  } catch {
    // A broken escape (or one cut in half): show it as written.
    return cut;
  }
}
