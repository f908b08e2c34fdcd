/**
 * Pure helpers over the top-level header block of a message (RFC 5322 §2.2):
 * split it into fields, read the authserv-id of an Authentication-Results
 * field (RFC 8601 §2.2) and check a DKIM-Signature's tag list (RFC 6376
 * §3.5). mailauth silently skips a DKIM-Signature it cannot use; these
 * checks name it instead (DKIM_PERMERROR).
 */

export interface HeaderField {
  /** Lower-case field name, without surrounding white space. */
  readonly name: string;
  /** Field value with folding removed (latin1 text, so bytes map 1:1). */
  readonly value: string;
  /** The field exactly as it came, line ends included. */
  readonly raw: string;
}

/** Splits header text (without its terminating empty line) into fields; a line without a colon is kept as a nameless field. */
export function splitHeaderFields(text: string): HeaderField[] {
  const raws: string[] = [];
  let current = '';
  let pos = 0;
  while (pos < text.length) {
    const lf = text.indexOf('\n', pos);
    const line = lf < 0 ? text.slice(pos) : text.slice(pos, lf + 1);
    pos += line.length;
    if (!(line.startsWith(' ') || line.startsWith('\t')) && current !== '') {
      raws.push(current);
      current = '';
    }
    current += line;
  }
  if (current !== '') raws.push(current);
  return raws.map((raw) => {
    const colon = raw.indexOf(':');
    const name = colon < 0 ? '' : raw.slice(0, colon).trim().toLowerCase();
    const value = colon < 0 ? raw : raw.slice(colon + 1).replace(/\r?\n(?=[ \t])/g, '').replace(/\r?\n$/, '').trim();
    return { name, value, raw };
  });
}

/** Skips white space and (nested) comments: RFC 5322 CFWS. Returns the index after them. */
function skipCfws(text: string, from: number): number {
  let at = from;
  let depth = 0;
  while (at < text.length) {
    const ch = text[at];
    if (depth > 0) {
      if (ch === '\\') at += 1;
      else if (ch === '(') depth += 1;
      else if (ch === ')') depth -= 1;
    } else if (ch === '(') {
      depth = 1;
    } else if (ch !== ' ' && ch !== '\t' && ch !== '\r' && ch !== '\n') {
      return at;
    }
    at += 1;
  }
  return at;
}

/**
 * The authserv-id of an Authentication-Results value (RFC 8601 §2.2: a
 * token or quoted-string after optional CFWS), or undefined when there is none.
 */
export function authservIdOf(value: string): string | undefined {
  const start = skipCfws(value, 0);
  if (start >= value.length) return undefined;
  if (value[start] === '"') {
    let out = '';
    for (let at = start + 1; at < value.length; at++) {
      const ch = value[at];
      if (ch === '\\') {
        at += 1;
        out += value[at] ?? '';
      } else if (ch === '"') {
        return out;
      } else {
        out += ch;
      }
    }
    return undefined;
  }
  const match = /^[^\s;()"]+/.exec(value.slice(start));
  return match?.[0];
}

/** True when two authserv-ids name the same host (RFC 8601 §5: compared case-insensitively). */
export function isSameAuthservId(a: string, b: string): boolean {
  return a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase();
}

export type DkimSignatureCheck =
  | { readonly ok: true; readonly domain: string; readonly selector: string }
  | { readonly ok: false; readonly domain: string; readonly selector: string; readonly reason: string };

const ALGORITHMS: ReadonlySet<string> = new Set(['rsa-sha256', 'rsa-sha1', 'ed25519-sha256']);
const CANONICALIZATIONS: ReadonlySet<string> = new Set(['simple', 'relaxed']);

/** Parses a DKIM tag-list (RFC 6376 §3.2); a repeated tag is an error. */
function parseTagList(value: string): Map<string, string> | string {
  const tags = new Map<string, string>();
  for (const part of value.split(';')) {
    const spec = part.trim();
    if (spec === '') continue;
    const eq = spec.indexOf('=');
    if (eq <= 0) return 'tag without a name or value';
    const name = spec.slice(0, eq).trim().toLowerCase();
    if (!/^[a-z][a-z0-9_]*$/.test(name)) return 'invalid tag name';
    if (tags.has(name)) return `duplicate tag ${name}=`;
    tags.set(name, spec.slice(eq + 1).replace(/[ \t\r\n]+/g, ' ').trim());
  }
  return tags;
}

/**
 * Checks what RFC 6376 §6.1.1 requires of a DKIM-Signature before any
 * verification: version 1, the required tags, a known algorithm and
 * canonicalization, From among the signed fields, a valid i= domain.
 */
export function checkDkimSignature(value: string): DkimSignatureCheck {
  const tags = parseTagList(value);
  if (typeof tags === 'string') return { ok: false, domain: '', selector: '', reason: tags };
  const domain = (tags.get('d') ?? '').toLowerCase();
  const selector = tags.get('s') ?? '';
  const fail = (reason: string): DkimSignatureCheck => ({ ok: false, domain, selector, reason });
  if (tags.get('v') !== '1') return fail('v= missing or not 1');
  for (const required of ['a', 'b', 'bh', 'd', 'h', 's']) {
    if ((tags.get(required) ?? '') === '') return fail(`${required}= missing`);
  }
  if (!ALGORITHMS.has((tags.get('a') ?? '').toLowerCase())) return fail('unknown a= algorithm');
  const [header = 'simple', body = 'simple', ...extra] = (tags.get('c') ?? 'simple/simple').toLowerCase().split('/');
  if (!CANONICALIZATIONS.has(header) || !CANONICALIZATIONS.has(body) || extra.length > 0) return fail('unknown c= canonicalization');
  if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9])?)+$/.test(domain)) return fail('d= is not a domain');
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/i.test(selector)) return fail('s= is not a selector');
  const signed = (tags.get('h') ?? '').toLowerCase().split(':').map((h) => h.trim());
  if (!signed.includes('from')) return fail('h= does not include From');
  if (!/^[A-Za-z0-9+/= ]+$/.test(tags.get('b') ?? '') || !/^[A-Za-z0-9+/= ]+$/.test(tags.get('bh') ?? '')) return fail('b= or bh= is not base64');
  const identity = tags.get('i');
  if (identity !== undefined) {
    const at = identity.lastIndexOf('@');
    const idDomain = identity.slice(at + 1).toLowerCase();
    if (at < 0 || (idDomain !== domain && !idDomain.endsWith(`.${domain}`))) return fail('i= is not within d=');
  }
  if (tags.has('l') && !/^\d{1,76}$/.test(tags.get('l') ?? '')) return fail('l= is not a number');
  return { ok: true, domain, selector };
}
