/**
 * The whole-authentication deadline: one AbortSignal per message, and a
 * resolver that fails every lookup at once with ETIMEOUT after it fires,
 * so that mailauth finishes (with temperror) instead of waiting on DNS.
 */
import type { ResolveFunction } from '../dns/index.js';

function timeoutError(name: string, rrtype: string): Error {
  // The shape node's resolver uses (`code`), which mailauth maps to temperror.
  return Object.assign(new Error(`${rrtype} ${name}: ETIMEOUT (authentication deadline)`), { code: 'ETIMEOUT', hostname: name });
}

/** `resolve` bounded by `signal`: a lookup pending when it aborts, or asked after, rejects with ETIMEOUT. */
export function resolveWithDeadline(resolve: ResolveFunction, signal: AbortSignal): ResolveFunction {
  return (name, rrtype) => {
    if (signal.aborted) return Promise.reject(timeoutError(name, rrtype));
    return new Promise<unknown[]>((done, fail) => {
      const onAbort = (): void => fail(timeoutError(name, rrtype));
      signal.addEventListener('abort', onAbort, { once: true });
      resolve(name, rrtype).then(
        (records) => {
          signal.removeEventListener('abort', onAbort);
          done(records);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          fail(error);
        },
      );
    });
  };
}

export class AuthDeadlineError extends Error {
  readonly code = 'AUTH_DEADLINE';
}

/** A promise that rejects with AuthDeadlineError when `signal` aborts (and never resolves). */
export function rejectOnAbort(signal: AbortSignal, timeoutMs: number): Promise<never> {
  return new Promise<never>((_, fail) => {
    const onAbort = (): void => fail(new AuthDeadlineError(`authentication deadline of ${timeoutMs} ms passed`));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
