/**
 * The contract for taking an artifact apart: archives (zip, tar, gzip, 7z,
 * ...), documents (OLE, OOXML, PDF, RTF, OneNote) and anything else that
 * holds other files. A dissector reads one artifact's bytes and returns its
 * members as children plus structural findings; the pipeline hashes, types,
 * scans and (recursively) dissects each child, and owns every limit.
 *
 * Member names are data. They are never used as file-system paths, never
 * passed to anything that interprets them, and are escaped before they
 * appear in a finding, a log line or the UI.
 */
import type { Finding } from '../../core/index.js';
import type { DetectedType } from '../detect-type.js';
import type { ExpansionBudget } from './budget.js';

/** What a dissector sees of the artifact it is asked to open. */
export interface DissectSubject {
  /** Artifact path in the message tree, e.g. `2` or `2/3` (for findings). */
  readonly path: string;
  readonly content: Uint8Array;
  /** Content-detected type; dissectors choose by content, never by name. */
  readonly detected?: DetectedType;
  /** Declared name of the artifact, raw (not escaped). */
  readonly rawName?: string;
}

export type MemberKind = 'file' | 'directory' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other';

/** One member of a container, as the container describes it. */
export interface Member {
  /** Name exactly as stored in the container (decoded to a string, not normalised, not escaped). */
  readonly name: string;
  readonly kind: MemberKind;
  /** Extracted content; absent for non-files, encrypted members that could not be opened, or members over budget. */
  readonly content?: Uint8Array;
  /** Size the container claims (for bombs and header disagreement). */
  readonly declaredSize?: number;
  /** Stored (compressed) size, when the format has one. */
  readonly compressedSize?: number;
  readonly encrypted?: boolean;
  /** For links: the target, raw. */
  readonly linkTarget?: string;
  /** The password that opened it, when one from the message did. Never logged in full. */
  readonly openedWithPassword?: boolean;
}

export interface DissectResult {
  readonly members: readonly Member[];
  /** Structural findings about the container itself (use `artifact: subject.path`). */
  readonly findings: readonly Finding[];
  /**
   * Links the container holds that are not members (PDF `/URI` actions), as written. The pipeline
   * normalises them into the message's URLs, attributed to this container, within the per-message URL cap.
   */
  readonly urls?: readonly string[];
}

export interface DissectContext {
  /** Shared by the whole message: total bytes, entries, ratio. Charge it BEFORE allocating. */
  readonly budget: ExpansionBudget;
  /** Passwords quoted in the message's subject and text (tried on encrypted members). */
  readonly passwords: readonly string[];
}

export interface Dissector {
  /** Short lower-case name (`zip`, `tar`, `ole`, ...); used in finding engine names. */
  readonly name: string;
  /** True when this dissector understands the content (magic bytes / detected type). */
  accepts(subject: DissectSubject): boolean;
  /**
   * Opens the container. Must be bounded: charge `ctx.budget` before each
   * allocation so a bomb stops at the limit (the budget throws
   * `BudgetExceededError`, which the pipeline turns into `ARCHIVE_BOMB` or
   * `ARCHIVE_TOO_MANY_ENTRIES`). Malformed input is a finding, not a throw;
   * a throw that is not a budget error becomes `<NAME>_FAIL`.
   */
  dissect(subject: DissectSubject, ctx: DissectContext): Promise<DissectResult>;
}
