/**
 * Error classes with stable codes. `docs/errors.md` explains each code and
 * what an operator should do about it.
 */

export class MoatError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MoatError';
    this.code = code;
  }
}

/**
 * The one error type that maps to an SMTP reply. Anything else thrown in the
 * SMTP path becomes `451 4.3.0`, never `250`.
 */
export class SmtpReplyError extends MoatError {
  readonly responseCode: number;
  readonly enhanced: string;

  constructor(responseCode: number, enhanced: string, message: string, options?: { cause?: unknown }) {
    super(`SMTP_${responseCode}`, message, options);
    this.name = 'SmtpReplyError';
    this.responseCode = responseCode;
    this.enhanced = enhanced;
  }
}

/** Configuration that fails validation: names the key and why. */
export class ConfigError extends MoatError {
  readonly issues: readonly string[];

  constructor(issues: readonly string[], source: string) {
    super('CONFIG_INVALID', `invalid configuration in ${source}:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
