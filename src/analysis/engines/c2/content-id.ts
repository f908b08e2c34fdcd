/**
 * Content-ID values used as a command channel. SKIPJACK (THREAT.md (b))
 * reads a mail's Content-ID and, when it matches `^[%w%+/=\r\n]+$`, decrypts
 * and runs it. A real Content-ID is an RFC 2392 / RFC 5322 msg-id,
 * `<id@host>`. We flag the structural property (a long base64/hex run that
 * is not a `<local@domain>` id), not a sample.
 */
import type { Finding } from '../../../core/index.js';
import { escapeForDisplay } from '../../../core/index.js';
import { C2_ENGINE_NAME, CONTENT_ID_BLOB_SCORES } from './findings.js';

// The brief's bound: 64 characters of [A-Za-z0-9+/=] is 48 bytes of payload, more than any
// generated id part needs (a UUID is 32 hex digits) and less than any useful command.
export const CONTENT_ID_BLOB_MIN_RUN = 64;
// Header blocks are capped by the MIME parser; this caps the scan of one value on its own.
const MAX_SCANNED_CHARS = 65_536;

export interface ContentIdFacts {
  /** Written `<...>`. */
  readonly bracketed: boolean;
  /** Has an `@` between non-empty local part and domain, inside the brackets or bare. */
  readonly hasHost: boolean;
  /** Longest run of base64 characters [A-Za-z0-9+/=], folding whitespace ignored. */
  readonly longestRun: number;
}

/** Structural facts about one Content-ID header value (raw, possibly folded). */
export function examineContentId(value: string): ContentIdFacts {
  // Unfold and drop all whitespace: SKIPJACK's pattern allows CR/LF inside the blob.
  const compact = value.slice(0, MAX_SCANNED_CHARS).replace(/\s+/g, '');
  const bracketed = compact.length >= 2 && compact.startsWith('<') && compact.endsWith('>');
  const inner = bracketed ? compact.slice(1, -1) : compact;
  const at = inner.lastIndexOf('@');
  const hasHost = at > 0 && at < inner.length - 1;
  let longestRun = 0;
  let run = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charCodeAt(i);
    const base64 = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2b || c === 0x2f || c === 0x3d;
    run = base64 ? run + 1 : 0;
    if (run > longestRun) longestRun = run;
  }
  return { bracketed, hasHost, longestRun };
}

/**
 * MIME_CONTENT_ID_BLOB for the part at `artifact` when its Content-ID is a
 * long blob rather than `<id@host>`; undefined for an ordinary id.
 */
export function contentIdFinding(value: string, artifact?: string): Finding | undefined {
  const facts = examineContentId(value);
  // `<blob@host>` is a well-formed msg-id whatever its length (content-addressed ids exist).
  if (facts.longestRun < CONTENT_ID_BLOB_MIN_RUN || (facts.bracketed && facts.hasHost)) return undefined;
  const bare = !facts.bracketed && !facts.hasHost;
  const spec = bare ? CONTENT_ID_BLOB_SCORES.bare : CONTENT_ID_BLOB_SCORES.loose;
  const where = artifact === undefined ? 'message' : `part ${artifact}`;
  const shape = bare ? 'a bare blob (the SKIPJACK command form)' : facts.bracketed ? 'a bracketed blob without @host' : 'an unbracketed blob';
  const finding: Finding = {
    engine: C2_ENGINE_NAME,
    symbol: 'MIME_CONTENT_ID_BLOB',
    score: spec.score,
    severity: spec.severity,
    detail: `${where}: Content-ID is ${shape} with a run of ${facts.longestRun} base64 characters instead of <id@host>: "${escapeForDisplay(value, 80)}"`,
  };
  return artifact === undefined ? finding : { ...finding, artifact };
}
