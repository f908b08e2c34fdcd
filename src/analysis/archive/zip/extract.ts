/**
 * Bounded extraction of one entry: decrypt (ZipCrypto or WinZip AES, trying
 * the message's passwords), decompress (stored or deflate) and check the
 * CRC. Every byte produced is charged to the message's expansion budget, and
 * inflation stops at whichever limit is nearest: the bytes left in the
 * budget, the largest member, or the ratio limit for this member's size.
 */
import type { Buffer as NodeBuffer } from 'node:buffer';
import { Buffer } from 'node:buffer';
import { constants, crc32, inflateRawSync } from 'node:zlib';
import type { DissectContext } from '../../dissect/dissector.js';
import { BudgetExceededError } from '../../dissect/budget.js';
import type { ExpansionBudget } from '../../dissect/budget.js';
import type { ExtractParams } from './entry.js';
import type { ZipFindingList } from './findings.js';
import { showName } from './layout.js';
import { FLAG_ENCRYPTED, FLAG_STRONG_ENCRYPTION, METHOD_AES, METHOD_DEFLATE, METHOD_STORED, readDataDescriptor } from './records.js';
import { isAesStrength, openWinZipAes } from './winzip-aes.js';
import { openZipCrypto } from './zipcrypto.js';

// Below 1 MiB the budget does not judge ratios (budget.ts); inflation is allowed that far regardless.
const RATIO_FLOOR = 1_048_576;
// zlib output chunk: big enough that normal members inflate in few steps, small enough that a lying size field costs nothing.
const MIN_CHUNK = 64 * 1024;
const MAX_CHUNK = 4 * 1024 * 1024;
// PBKDF2 runs per AES entry and password: cap the key derivations per archive (about 1 ms each) so a
// thousand encrypted entries times twenty candidate passwords cannot eat the time budget.
const MAX_AES_ATTEMPTS = 256;
// ZipCrypto attempts past the check byte (a full decrypt each); wrong passwords rarely get that far.
const MAX_ZIPCRYPTO_ATTEMPTS = 4096;
const SUPPORTED_METHODS: ReadonlySet<number> = new Set([METHOD_STORED, METHOD_DEFLATE]);

export type ExtractOutcome =
  | { readonly status: 'ok'; readonly content: NodeBuffer; readonly password?: 'empty' | 'message' }
  | { readonly status: 'locked' }
  | { readonly status: 'failed' };

interface Password {
  readonly bytes: Uint8Array;
  readonly fromMessage: boolean;
}

export interface Extractor {
  extract(params: ExtractParams, name: string): ExtractOutcome;
}

/** Creates an extractor over one archive buffer; it remembers which password worked and tries it first. */
export function createExtractor(buf: NodeBuffer, ctx: DissectContext, findings: ZipFindingList): Extractor {
  const passwords = candidatePasswords(ctx.passwords);
  let aesAttempts = 0;
  let zipCryptoAttempts = 0;
  const budget = ctx.budget;

  return {
    extract(params, name) {
      const shown = showName(name);
      const available = Math.max(0, buf.length - params.dataStart);
      const wanted = params.sizeKnown ? params.compressedSize : available;
      if (params.sizeKnown && params.compressedSize > available) {
        findings.add('ZIP_TRUNCATED', `data of ${shown} needs ${params.compressedSize} bytes, ${available} remain in the file`);
      }
      const raw = buf.subarray(params.dataStart, params.dataStart + Math.min(wanted, available));
      const truncated = params.sizeKnown && params.compressedSize > available;

      if ((params.flags & FLAG_STRONG_ENCRYPTION) !== 0) return { status: 'locked' };
      const encrypted = (params.flags & FLAG_ENCRYPTED) !== 0;
      if (!SUPPORTED_METHODS.has(params.method) && !(encrypted && params.method === METHOD_AES)) {
        findings.add('ZIP_UNSUPPORTED_METHOD', `${shown} uses compression method ${params.method}, not extracted`);
        return { status: 'failed' };
      }
      if (!encrypted) {
        const result = decode(raw, params, params.method, shown, truncated, false);
        return result === undefined ? { status: 'failed' } : { status: 'ok', content: result };
      }
      if (params.method === METHOD_AES) return openAes(raw, params, shown, truncated);
      return openZipCryptoEntry(raw, params, shown, truncated);
    },
  };

  function openAes(raw: NodeBuffer, params: ExtractParams, shown: string, truncated: boolean): ExtractOutcome {
    const aes = params.aes;
    if (aes === undefined || !isAesStrength(aes.strength)) {
      findings.add('ZIP_MALFORMED', `${shown} is AES-encrypted without a valid AES extra field`);
      return { status: 'locked' };
    }
    for (const password of passwords) {
      if (aesAttempts >= MAX_AES_ATTEMPTS) break;
      aesAttempts++;
      const opened = openWinZipAes(raw, password.bytes, aes.strength);
      if (opened === undefined) continue;
      promote(password);
      if (!opened.authentic) findings.add('ZIP_AES_AUTH_FAILED', `authentication code of ${shown} does not match its encrypted data`);
      // AE-2 stores no CRC (the HMAC replaces it); AE-1 does.
      const content = decode(opened.plain, { ...params, crc32: aes.vendorVersion === 2 ? -1 : params.crc32 }, aes.actualMethod, shown, truncated, false);
      if (content === undefined) return { status: 'failed' };
      return { status: 'ok', content, password: password.fromMessage ? 'message' : 'empty' };
    }
    return { status: 'locked' };
  }

  function openZipCryptoEntry(raw: NodeBuffer, params: ExtractParams, shown: string, truncated: boolean): ExtractOutcome {
    for (const password of passwords) {
      if (zipCryptoAttempts >= MAX_ZIPCRYPTO_ATTEMPTS) break;
      const plain = openZipCrypto(raw, password.bytes, params.checkBytes);
      if (plain === undefined) continue;
      zipCryptoAttempts++;
      // One wrong password in 256 passes the check byte: only a clean decode and CRC prove it.
      const content = decode(plain, params, params.method, shown, truncated, true);
      if (content === undefined) continue;
      promote(password);
      return { status: 'ok', content, password: password.fromMessage ? 'message' : 'empty' };
    }
    return { status: 'locked' };
  }

  /** Moves a password that worked to the front: one archive almost always uses one password. */
  function promote(password: Password): void {
    const index = passwords.indexOf(password);
    if (index > 0) {
      passwords.splice(index, 1);
      passwords.unshift(password);
    }
  }

  /**
   * Decompresses `data` with `method` and checks the CRC (`params.crc32` -1 = none).
   * In probe mode (trying a password) failures are silent and a CRC mismatch rejects.
   */
  function decode(data: NodeBuffer, params: ExtractParams, method: number, shown: string, truncated: boolean, probe: boolean): NodeBuffer | undefined {
    let content: NodeBuffer;
    let consumed = data.length;
    if (method === METHOD_STORED) {
      budget.checkMember(data.length, data.length);
      content = data;
    } else if (method === METHOD_DEFLATE) {
      const inflated = inflateBounded(data, params.uncompressedSize, budget, truncated);
      if (inflated === undefined) {
        if (!probe) findings.add('ZIP_CORRUPT_DATA', `compressed data of ${shown} does not decompress`);
        return undefined;
      }
      content = inflated.content;
      consumed = inflated.consumed;
    } else {
      if (!probe) findings.add('ZIP_UNSUPPORTED_METHOD', `${shown} uses compression method ${method}, not extracted`);
      return undefined;
    }
    let expectedCrc = params.crc32;
    if (!params.sizeKnown) {
      // A local-scan entry whose CRC and sizes follow the data: read them where the deflate stream ended.
      const descriptor = readDataDescriptor(buf, params.dataStart + consumed, false);
      expectedCrc = descriptor?.crc32 ?? -1;
    }
    if (expectedCrc !== -1 && !truncated && crc32(content) !== expectedCrc) {
      if (probe) return undefined;
      findings.add('ZIP_CRC_MISMATCH', `${shown} fails its CRC-32 check`);
    }
    budget.chargeBytes(content.length);
    return content;
  }
}

/**
 * Inflates raw deflate data without ever producing more than the budget
 * allows. Returns undefined for data that is not deflate; a stream cut short
 * (truncated file) yields what it holds.
 */
function inflateBounded(data: NodeBuffer, declared: number, budget: ExpansionBudget, truncated: boolean): { content: NodeBuffer; consumed: number } | undefined {
  const limits = budget.limits;
  // Before inflating: the sizes the archive admits to must already fit.
  budget.checkMember(data.length, declared);
  if (declared > budget.remainingBytes()) budget.chargeBytes(declared);
  const ratioCap = Math.max(RATIO_FLOOR, Math.floor(data.length * limits.maxRatio));
  const cap = Math.max(0, Math.min(budget.remainingBytes(), limits.maxMemberBytes, ratioCap));
  const chunkSize = Math.min(MAX_CHUNK, cap + 1, Math.max(MIN_CHUNK, declared + 1));
  const options = { maxOutputLength: cap + 1, chunkSize: Math.max(MIN_CHUNK, chunkSize), info: true } as const;
  try {
    // With `info: true` zlib returns the engine too (its bytesWritten is the input consumed); @types/node types only the buffer.
    const { buffer, engine } = inflateRawSync(data, options) as unknown as { buffer: NodeBuffer; engine: { bytesWritten: number } };
    return checked(buffer, engine.bytesWritten);
  } catch (err) {
    if (isTooLarge(err)) breach(data.length, cap + 1, budget);
    if (!truncated || !isUnexpectedEnd(err)) return undefined;
  }
  try {
    // Z_SYNC_FLUSH returns what a cut-off stream decodes to instead of failing at its end.
    const partial = inflateRawSync(data, { ...options, finishFlush: constants.Z_SYNC_FLUSH }) as unknown as { buffer: NodeBuffer; engine: { bytesWritten: number } };
    return checked(partial.buffer, partial.engine.bytesWritten);
  } catch (err) {
    if (isTooLarge(err)) breach(data.length, cap + 1, budget);
    return undefined;
  }

  function checked(content: NodeBuffer, consumed: number): { content: NodeBuffer; consumed: number } {
    // After inflating: the real size against the ratio and member limits.
    budget.checkMember(data.length, content.length);
    return { content, consumed };
  }
}

/** Output hit the cap: find which limit that is and throw its budget error. */
function breach(compressed: number, size: number, budget: ExpansionBudget): never {
  budget.checkMember(compressed, size);
  budget.chargeBytes(size);
  // Not reachable while the cap is the minimum of the three limits, but never let a breach pass silently.
  throw new BudgetExceededError('bytes', `a member inflates past ${size - 1} bytes`);
}

function isTooLarge(err: unknown): boolean {
  return err instanceof RangeError && (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
}

function isUnexpectedEnd(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === 'Z_BUF_ERROR';
}

/** No password first (archives "encrypted" with an empty one), then the message's, as UTF-8 and Latin-1. */
function candidatePasswords(quoted: readonly string[]): Password[] {
  const out: Password[] = [{ bytes: new Uint8Array(0), fromMessage: false }];
  const seen = new Set<string>(['']);
  for (const text of quoted) {
    for (const bytes of [Buffer.from(text, 'utf8'), Buffer.from(text, 'latin1')]) {
      const key = bytes.toString('hex');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ bytes, fromMessage: true });
    }
  }
  return out;
}
