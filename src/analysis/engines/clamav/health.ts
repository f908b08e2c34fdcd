/** The ClamAV health check for /healthz: PING, then VERSION for the detail. */
import { pingClamd, readClamdVersion } from './client.js';
import type { ClamavEngineOptions } from './engine.js';
import { resolveClamdTarget } from './engine.js';
import { escapeForDisplay } from '../../../core/index.js';

export interface ClamavHealth {
  readonly ok: boolean;
  /** clamd's version line when ok, the reason otherwise. */
  readonly detail: string;
}

export type ClamavHealthOptions = Pick<ClamavEngineOptions, 'host' | 'port' | 'socketPath' | 'timeoutMs' | 'connectTimeoutMs'> & {
  readonly signal?: AbortSignal;
};

/** Asks clamd for PING and VERSION within `timeoutMs` each. Never throws. */
export async function clamavHealth(options: ClamavHealthOptions): Promise<ClamavHealth> {
  try {
    const target = resolveClamdTarget(options);
    const call = {
      timeoutMs: options.timeoutMs,
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    await pingClamd(target, call);
    return { ok: true, detail: escapeForDisplay(await readClamdVersion(target, call), 200) };
  } catch (err) {
    return { ok: false, detail: escapeForDisplay(err instanceof Error ? err.message : String(err), 300) };
  }
}
