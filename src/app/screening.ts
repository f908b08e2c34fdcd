/**
 * Builds the sender-side screening of a node — the DNS client, sender
 * authentication, shared state and reputation — and adapts it to the hooks
 * the SMTP listener and intake call. Nothing here decides: every stage
 * returns findings or a reply that the configuration chose.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { Piscina } from 'piscina';
import { escapeForDisplay, MoatError, type Envelope, type SmtpReply } from '../core/index.js';
import type { MoatConfig } from '../config/index.js';
import { createDnsResolver, type DnsResolver } from '../dns/index.js';
import { buildAuthFinding, type SenderAuthResult } from '../auth/index.js';
import type { AuthTask } from '../workers/index.js';
import { createFallbackState, createMemoryState, createRedisState, type SharedState } from '../state/index.js';
import { createReputation, type Reputation } from '../reputation/index.js';
import type { ClientFacts, SenderAuthOutcome } from '../smtp/index.js';
import { createRegistrableDomain, isIpLiteral, MULTI_LABEL_SUFFIXES } from '../analysis/index.js';

const AUTH_WORKER_URL = new URL('../workers/auth-worker.js', import.meta.url);
// mailauth holds one header block (bounded by auth.maxHeaderBytes) and streams the body.
const AUTH_WORKER_HEAP_MB = 256;
const AUTH_GRACE_MS = 5000;

export interface Screening {
  readonly resolver: DnsResolver;
  /** `Authentication-Results` id (forged ones are removed on delivery). */
  readonly authservId: string;
  readonly reputation: Reputation;
  authenticate?(path: string, envelope: Envelope): Promise<SenderAuthOutcome>;
  screenConnection(ip: string): Promise<ClientFacts>;
  screenSender(input: { ip: string; mailFrom: string }): Promise<SmtpReply | undefined>;
  screenRecipient(input: { ip: string; mailFrom: string; recipient: string; facts: ClientFacts }): Promise<SmtpReply | undefined>;
  close(): Promise<void>;
}

function openState(config: MoatConfig, logger: Logger): SharedState {
  if (config.state.backend === 'memory') return createMemoryState({ maxKeys: config.state.memory.maxKeys });
  const { redis } = config.state;
  const shared = createRedisState({
    url: redis.url,
    ...(redis.password === undefined ? {} : { password: redis.password }),
    keyPrefix: redis.keyPrefix,
    commandTimeoutMs: redis.commandTimeoutMs,
    connectTimeoutMs: redis.connectTimeoutMs,
    reconnect: redis.reconnect,
    onEvent: (event) => {
      if (event.type === 'error') logger.warn({ detail: event.message }, 'redis error');
      else if (event.type === 'ready') logger.info('redis ready');
    },
  });
  if (redis.onUnavailable === 'fail') return shared;
  // Issue 6: a lost Redis degrades limits and greylisting to per node rather than
  // to the checks' onStateFailure; each switch is logged once.
  const log = logger.child({ component: 'state' });
  return createFallbackState({
    primary: shared,
    local: createMemoryState({ maxKeys: config.state.memory.maxKeys }),
    onSwitch: (event) => {
      if (event.to === 'local') log.warn({ reason: event.reason }, "shared state unavailable; using this node's local state");
      else log.info('shared state available again; using it');
    },
  });
}

/** The best DKIM result of all signatures, for the log (any pass is a pass). */
function summariseDkim(result: SenderAuthResult): string {
  if (result.dkim.length === 0) return 'none';
  return result.dkim.some((d) => d.result === 'pass') ? 'pass' : (result.dkim[0]?.result ?? 'none');
}

export async function startScreening(config: MoatConfig, logger: Logger): Promise<Screening> {
  const resolver = createDnsResolver({ servers: config.dns.servers, timeoutMs: config.dns.timeoutMs, tries: config.dns.tries, cache: config.dns.cache });
  const authservId = config.auth.authservId === '' ? config.node.hostname : config.auth.authservId;
  const seal = config.auth.arcSeal;
  const privateKey =
    seal === null
      ? undefined
      : await readFile(seal.privateKeyPath, 'utf8').catch((error: unknown) => {
          throw new MoatError('AUTH_ARC_KEY_UNREADABLE', `auth.arcSeal.privateKeyPath: cannot read ${seal.privateKeyPath}`, { cause: error });
        });
  const authSettings: Omit<AuthTask, 'input'> = {
    dns: { servers: config.dns.servers, timeoutMs: config.dns.timeoutMs, tries: config.dns.tries, cache: config.dns.cache },
    auth: {
      authservId,
      timeoutMs: config.auth.timeoutMs,
      maxMessageBytes: config.auth.maxMessageBytes,
      maxHeaderBytes: config.auth.maxHeaderBytes,
      maxSignatures: config.auth.maxSignatures,
      minKeyBits: config.auth.minKeyBits,
      spf: config.auth.spf,
      trustedArcSealers: config.auth.trustedArcSealers,
      ...(seal === null || privateKey === undefined ? {} : { arcSeal: { domain: seal.domain, selector: seal.selector, privateKey } }),
    },
  };
  // mailauth parses hostile header blocks and hashes bodies: in worker threads, never on the SMTP event loop.
  const authPool = config.auth.enabled
    ? new Piscina({
        filename: AUTH_WORKER_URL.href,
        name: 'authenticateMessage',
        minThreads: config.auth.workers,
        maxThreads: config.auth.workers,
        resourceLimits: { maxOldGenerationSizeMb: AUTH_WORKER_HEAP_MB },
        env: {},
      })
    : undefined;
  authPool?.on('error', (error: unknown) => logger.warn({ err: error }, 'sender authentication worker error'));

  const state = openState(config, logger);
  // A Redis that is down at start is logged, not fatal: the client reconnects, and
  // meanwhile this node's local state answers (onUnavailable: local; the fallback
  // logs it) or greylisting and rate limits fail open or closed as configured.
  await state.ready().catch((error: unknown) => logger.warn({ err: error }, 'shared state not ready at start'));
  const reputation = createReputation({ state, resolver, settings: config.reputation });
  const log = logger.child({ component: 'reputation' });

  const logStateFailure = (stage: string, outcome: string, error: MoatError | undefined): void => {
    if (outcome.startsWith('state-failed')) log.warn({ stage, outcome, code: error?.code }, 'shared state unavailable');
  };

  return {
    resolver,
    authservId,
    reputation,
    ...(authPool === undefined
      ? {}
      : {
          async authenticate(path: string, envelope: Envelope): Promise<SenderAuthOutcome> {
            const task: AuthTask = { ...authSettings, input: { path, clientIp: envelope.client.address, helo: envelope.client.helo, mailFrom: envelope.mailFrom } };
            let result: SenderAuthResult;
            try {
              // The authenticator keeps its own deadline; this one only catches a thread that hangs or dies.
              result = (await authPool.run(task, { signal: AbortSignal.timeout(config.auth.timeoutMs + AUTH_GRACE_MS) })) as SenderAuthResult;
            } catch (error) {
              const reason = error instanceof Error ? error.message : String(error);
              return { findings: [buildAuthFinding('AUTH_FAIL', `sender authentication did not finish: ${escapeForDisplay(reason, 200)}`)], headers: '', summary: { spf: 'temperror', dkim: 'temperror', dmarc: 'temperror', arc: 'temperror' } };
            }
            return {
              findings: result.findings,
              headers: (result.arcHeaders ?? '') + result.authResultsHeader,
              summary: { spf: result.spf.result, dkim: summariseDkim(result), dmarc: result.dmarc.result, arc: result.arc.result },
            };
          },
        }),
    async screenConnection(ip) {
      const checked = await reputation.checkConnection({ ip });
      return { findings: checked.findings, ...(checked.reverseName === undefined ? {} : { reverseName: checked.reverseName }) };
    },
    async screenSender(input) {
      const checked = await reputation.checkSender(input);
      logStateFailure('mail', checked.outcome, checked.error);
      return checked.reply;
    },
    async screenRecipient({ ip, mailFrom, recipient, facts }) {
      const checked = await reputation.checkRecipient({ ip, mailFrom, recipient, reverseVerified: facts.reverseName !== undefined });
      logStateFailure('rcpt', checked.outcome, checked.error);
      return checked.reply;
    },
    async close() {
      await authPool?.close({ force: true });
      await state.close();
    },
  };
}

const registrable = createRegistrableDomain(MULTI_LABEL_SUFFIXES);

/**
 * Registrable domains of a message (`mail.bank.co.uk` → `bank.co.uk`): its
 * sender's and its links', for RHSBL, sightings and newly-seen checks. IP
 * literals are left out (the IP indicators and DNSBLs cover them).
 */
export function messageDomains(mailFrom: string, urls: readonly string[]): { sender?: string; links: string[] } {
  const at = mailFrom.lastIndexOf('@');
  const sender = at > 0 ? registrable(mailFrom.slice(at + 1).toLowerCase()) : undefined;
  const links = new Set<string>();
  for (const url of urls) {
    try {
      const host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
      if (host !== '' && !isIpLiteral(host)) links.add(registrable(host));
    } catch {
      // Extracted URLs are already normalised; a bad one is simply skipped.
    }
  }
  return { ...(sender === undefined ? {} : { sender }), links: [...links] };
}
