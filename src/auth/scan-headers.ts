/**
 * What Moat checks in the header block itself, before mailauth runs:
 * Authentication-Results fields claiming our authserv-id (forgeries, RFC
 * 8601 §5), each DKIM-Signature's syntax, and the number of signatures.
 */
import { authservIdOf, checkDkimSignature, isSameAuthservId, splitHeaderFields } from './header-fields.js';
import type { ScannedSignature } from './summarise.js';

export interface HeaderScan {
  /** Authentication-Results fields carrying our authserv-id. */
  readonly forgedResults: number;
  /** Every DKIM-Signature field, in order. */
  readonly signatures: readonly ScannedSignature[];
  /** The header block without the DKIM-Signature fields past `maxSignatures`, when there were more; else undefined. */
  readonly trimmedBlock?: Buffer;
}

function tagValue(value: string, tag: string): string {
  const match = new RegExp(`(?:^|;)\\s*${tag}\\s*=([^;]*)`, 'i').exec(value);
  return (match?.[1] ?? '').replace(/\s+/g, '');
}

/** Scans `block` (the header block with its terminating empty line, if any). */
export function scanHeaderBlock(block: Buffer, authservId: string, maxSignatures: number): HeaderScan {
  const textBlock = block.toString('latin1');
  const terminator = /\r?\n\r?\n$/.test(textBlock) || /^\r?\n$/.test(textBlock) ? (/\r\n$/.test(textBlock) ? '\r\n' : '\n') : '';
  const fields = splitHeaderFields(textBlock.slice(0, textBlock.length - terminator.length));
  let forgedResults = 0;
  const signatures: ScannedSignature[] = [];
  const kept: string[] = [];
  for (const field of fields) {
    if (field.name === 'authentication-results') {
      const id = authservIdOf(field.value);
      if (id !== undefined && isSameAuthservId(id, authservId)) forgedResults += 1;
    }
    if (field.name === 'dkim-signature') {
      const check = checkDkimSignature(field.value);
      const skipped = signatures.length >= maxSignatures;
      signatures.push({
        domain: check.domain,
        selector: check.selector,
        b: tagValue(field.value, 'b'),
        ...(check.ok ? {} : { malformed: check.reason }),
        ...(skipped ? { skipped: true } : {}),
      });
      if (skipped) continue;
    }
    kept.push(field.raw);
  }
  if (signatures.length <= maxSignatures) return { forgedResults, signatures };
  return { forgedResults, signatures, trimmedBlock: Buffer.from(kept.join('') + terminator, 'latin1') };
}
