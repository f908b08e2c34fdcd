/**
 * Builds the Authentication-Results field Moat adds (RFC 8601 §2.2). Every
 * value in it may come from the sender (MAIL FROM, d=, s=, the From
 * domain), so each is reduced to printable ASCII, quoted when it is not a
 * plain token, and bounded: a hostile value can neither end the field nor
 * forge another method's result.
 */
import type { ArcOutcome, DkimOutcome, DmarcOutcome, SpfOutcome } from './types.js';

export interface AuthResultsInput {
  readonly authservId: string;
  readonly spf: SpfOutcome;
  /** MAIL FROM as given (may be empty for a bounce) and the HELO name, for smtp.mailfrom / smtp.helo. */
  readonly mailFrom: string;
  readonly helo: string;
  readonly dkim: readonly { readonly outcome: DkimOutcome; readonly b?: string }[];
  readonly dmarc: DmarcOutcome;
  readonly arc: ArcOutcome;
}

// RFC 5322 §2.1.1 recommends 78 characters per line; we fold between properties beyond it.
const FOLD_AT = 78;
// Any one property value longer than this is cut: it is an attack or an error, not an address.
const MAX_VALUE = 256;

/** A property value: a token or an addr-spec when plain, a quoted-string otherwise (RFC 8601 §2.2). */
export function formatPropertyValue(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '').slice(0, MAX_VALUE);
  if (printable !== '' && /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.@]+$/.test(printable)) return printable;
  return `"${printable.replace(/["\\]/g, (ch) => `\\${ch}`)}"`;
}

/** A comment: printable ASCII, parentheses and backslashes escaped (RFC 5322 §3.2.2). */
export function formatComment(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '').slice(0, MAX_VALUE);
  return `(${printable.replace(/[()\\]/g, (ch) => `\\${ch}`)})`;
}

function resinfo(method: string, result: string, comment: string | undefined, props: readonly (readonly [string, string | undefined])[]): string[] {
  const parts = [`${method}=${result}`];
  if (comment !== undefined && comment !== '') parts.push(formatComment(comment));
  for (const [name, value] of props) if (value !== undefined && value !== '') parts.push(`${name}=${formatPropertyValue(value)}`);
  return parts;
}

/** Joins resinfo parts into lines of at most FOLD_AT characters where the parts allow it. */
function foldParts(parts: readonly string[]): string {
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    if (line === '') line = part;
    else if (line.length + 1 + part.length + 1 > FOLD_AT) {
      lines.push(line);
      line = part;
    } else line += ` ${part}`;
  }
  lines.push(line);
  return lines.join('\r\n\t ');
}

/** The whole field, `Authentication-Results: ...\r\n`, one method per line. */
export function buildAuthResultsHeader(input: AuthResultsInput): string {
  const methods: string[][] = [];
  const mailFrom = input.mailFrom === '' ? undefined : input.mailFrom;
  methods.push(
    resinfo('spf', input.spf.result, input.spf.result === 'none' || input.spf.result === 'pass' ? undefined : input.spf.explanation, [
      ['smtp.mailfrom', mailFrom ?? input.spf.domain],
      ['smtp.helo', input.helo],
    ]),
  );
  if (input.dkim.length === 0) methods.push(['dkim=none']);
  for (const { outcome, b } of input.dkim) {
    methods.push(
      resinfo('dkim', outcome.result, outcome.reason, [
        ['header.d', outcome.domain],
        ['header.s', outcome.selector],
        // RFC 6008: the first 8 characters of b= tell two signatures of one domain apart.
        ['header.b', b?.replace(/\s+/g, '').slice(0, 8)],
      ]),
    );
  }
  const dmarcComment =
    input.dmarc.result === 'none' || input.dmarc.result === 'temperror' || input.dmarc.result === 'permerror'
      ? undefined
      : `p=${input.dmarc.policy.toUpperCase()}${input.dmarc.arcOverride === undefined ? '' : ` arc-override=${input.dmarc.arcOverride}`}`;
  methods.push(resinfo('dmarc', input.dmarc.result, dmarcComment, [['header.from', input.dmarc.domain]]));
  methods.push(resinfo('arc', input.arc.result, input.arc.instance > 0 ? `i=${input.arc.instance}` : undefined, []));
  const id = input.authservId.replace(/[^\x21-\x7e]/g, '');
  return `Authentication-Results: ${id};\r\n\t${methods.map(foldParts).join(';\r\n\t')}\r\n`;
}
