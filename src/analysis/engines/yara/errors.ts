/** The one error of the YARA rule loader, with a stable code for docs/errors.md. */
import { MoatError } from '../../../core/index.js';

/**
 * A rule directory that cannot be read or a rule file that does not compile.
 * Code `YARA_RULES_INVALID`; `file` and `line` point at the offending rule
 * when the compiler said where, so the operator can fix it.
 */
export class YaraRulesError extends MoatError {
  readonly file: string | undefined;
  readonly line: number | undefined;

  constructor(message: string, where: { file?: string; line?: number } = {}, options?: { cause?: unknown }) {
    super('YARA_RULES_INVALID', message, options);
    this.name = 'YaraRulesError';
    this.file = where.file;
    this.line = where.line;
  }
}
