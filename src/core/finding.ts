/**
 * A finding is one observation an engine makes about a message or one of its
 * artifacts. Engines report findings; only policy turns them into a verdict.
 */

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export interface Finding {
  /** Engine that produced it, e.g. `filetype`, `smtp`, `mime`. */
  readonly engine: string;
  /** Stable UPPER_SNAKE code prefixed by engine area, e.g. `FILETYPE_EXECUTABLE`. */
  readonly symbol: string;
  /** Contribution to the message score; policy may override it per symbol. */
  readonly score: number;
  readonly severity: Severity;
  /** Human-readable explanation; attacker-controlled parts are escaped by `escapeForDisplay`. */
  readonly detail: string;
  /** Artifact the finding is about (its `path`), absent for message-level findings. */
  readonly artifact?: string;
}
