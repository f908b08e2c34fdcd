/**
 * One expansion budget per message: every byte a dissector inflates and
 * every member it lists is charged here first, so no container — however
 * nested or however it lies about its sizes — can make the worker allocate
 * more than the configured limits.
 */
import { MoatError } from '../../core/index.js';

export interface ExpansionLimits {
  /** Decompressed bytes across the whole message (all containers, all depths). */
  readonly maxTotalBytes: number;
  /** Members across the whole message. */
  readonly maxEntries: number;
  /** Container nesting depth (an archive in an archive in a mail part is depth 2). */
  readonly maxDepth: number;
  /** Largest output/input ratio of one member before it counts as a bomb. */
  readonly maxRatio: number;
  /** Largest single member, decompressed. */
  readonly maxMemberBytes: number;
}

export type BudgetLimitKind = 'bytes' | 'entries' | 'ratio' | 'member-bytes';

export class BudgetExceededError extends MoatError {
  readonly kind: BudgetLimitKind;

  constructor(kind: BudgetLimitKind, message: string) {
    super('ANALYSIS_BUDGET_EXCEEDED', message);
    this.name = 'BudgetExceededError';
    this.kind = kind;
  }
}

export interface ExpansionBudget {
  readonly limits: ExpansionLimits;
  /** Charge `bytes` of output before producing them; throws BudgetExceededError past a limit. */
  chargeBytes(bytes: number): void;
  /** Charge one member; throws BudgetExceededError past the entry limit. */
  chargeEntry(): void;
  /** Throws when a member would inflate beyond the ratio or single-member limit. */
  checkMember(compressedSize: number, declaredOrActualSize: number): void;
  /** Bytes left before `maxTotalBytes`; use as `maxOutputLength` when inflating. */
  remainingBytes(): number;
  readonly usedBytes: number;
  readonly usedEntries: number;
}

export function createExpansionBudget(limits: ExpansionLimits): ExpansionBudget {
  let usedBytes = 0;
  let usedEntries = 0;
  return {
    limits,
    get usedBytes() {
      return usedBytes;
    },
    get usedEntries() {
      return usedEntries;
    },
    chargeBytes(bytes) {
      if (usedBytes + bytes > limits.maxTotalBytes) {
        throw new BudgetExceededError('bytes', `expansion would exceed ${limits.maxTotalBytes} bytes in total`);
      }
      usedBytes += bytes;
    },
    chargeEntry() {
      if (usedEntries + 1 > limits.maxEntries) {
        throw new BudgetExceededError('entries', `more than ${limits.maxEntries} members in total`);
      }
      usedEntries++;
    },
    checkMember(compressedSize, size) {
      if (size > limits.maxMemberBytes) {
        throw new BudgetExceededError('member-bytes', `a member of ${size} bytes exceeds ${limits.maxMemberBytes} bytes`);
      }
      // Tiny members compress well legitimately (a 1 KiB run of spaces); judge the ratio past 1 MiB only.
      if (size > 1_048_576 && size / Math.max(compressedSize, 1) > limits.maxRatio) {
        throw new BudgetExceededError('ratio', `a member expands ${Math.round(size / Math.max(compressedSize, 1))}:1, over ${limits.maxRatio}:1`);
      }
    },
    remainingBytes() {
      return limits.maxTotalBytes - usedBytes;
    },
  };
}

/** How much one member may still inflate to, and which limit sets that bound. */
export interface OutputCap {
  readonly bytes: number;
  readonly kind: BudgetLimitKind;
}

// checkMember judges the ratio past 1 MiB only; the cap follows the same rule.
const RATIO_FLOOR_BYTES = 1_048_576;

/**
 * The most output a member of `compressedSize` stored bytes may produce,
 * given what is left of the budget, the single-member limit and the ratio
 * limit. Inflate with `maxOutputLength: cap.bytes + 1`: reaching `cap.bytes + 1`
 * means the member breaks `cap.kind` (see {@link exceedCap}).
 */
export function capMemberOutput(budget: ExpansionBudget, compressedSize: number): OutputCap {
  const { maxMemberBytes, maxRatio } = budget.limits;
  const remaining = Math.max(0, budget.remainingBytes());
  const ratioBytes = Math.max(RATIO_FLOOR_BYTES, Math.floor(Math.max(compressedSize, 1) * maxRatio));
  let cap: OutputCap = { bytes: remaining, kind: 'bytes' };
  if (maxMemberBytes < cap.bytes) cap = { bytes: maxMemberBytes, kind: 'member-bytes' };
  if (ratioBytes < cap.bytes) cap = { bytes: ratioBytes, kind: 'ratio' };
  return cap;
}

/** The error for output that went past `cap` (the message names the limit, not the content). */
export function exceedCap(cap: OutputCap): BudgetExceededError {
  switch (cap.kind) {
    case 'ratio':
      return new BudgetExceededError('ratio', `a member expands beyond ${cap.bytes} bytes, over the compression ratio limit`);
    case 'member-bytes':
      return new BudgetExceededError('member-bytes', `a member expands beyond ${cap.bytes} bytes, the single-member limit`);
    default:
      return new BudgetExceededError('bytes', 'expansion would exceed the total bytes limit of the message');
  }
}
