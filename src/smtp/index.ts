export { createSmtpListener } from './listener.js';
export type { ClientFacts, SmtpListener, SmtpListenerOptions, SmtpObserver, RecipientCheck, ConnectionResult } from './listener.js';
export { createIntake } from './intake.js';
export type { IntakeDependencies, IntakeResult, MessageStatus, SenderAuthOutcome, ConnectionFacts, EnrichOutcome } from './intake.js';
export { buildVerdictHeaders } from './verdict-headers.js';
