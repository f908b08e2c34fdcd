/**
 * Entry point of a sender-authentication worker thread (loaded by piscina
 * from the compiled `dist/src/workers/auth-worker.js`). mailauth parses the
 * message's header block and canonicalises its body for DKIM: hostile input
 * and CPU work that must not stall the SMTP event loop. Each thread keeps its
 * own DNS client (with its own cache) and authenticator, built once from the
 * serialisable settings. Importing it has no side effects.
 */
import { createSenderAuthenticator, type SenderAuthenticator, type SenderAuthenticatorOptions, type SenderAuthInput, type SenderAuthResult } from '../auth/index.js';
import { createDnsResolver, type DnsResolverOptions } from '../dns/index.js';

/** Everything a thread needs, as plain data. */
export interface AuthTask {
  readonly dns: Omit<DnsResolverOptions, 'now'>;
  readonly auth: Omit<SenderAuthenticatorOptions, 'resolver'>;
  readonly input: SenderAuthInput;
}

let cached: { key: string; authenticator: SenderAuthenticator } | undefined;

/** Authenticates one spooled message; never rejects on hostile input (failures are findings). */
export async function authenticateMessage(task: AuthTask): Promise<SenderAuthResult> {
  const key = JSON.stringify({ dns: task.dns, auth: task.auth });
  if (cached?.key !== key) {
    cached = { key, authenticator: createSenderAuthenticator({ ...task.auth, resolver: createDnsResolver(task.dns) }) };
  }
  return cached.authenticator.authenticate(task.input);
}
