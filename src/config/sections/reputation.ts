/**
 * Config sections `state` (shared state across nodes: in-process or Redis)
 * and `reputation` (DNSBL/RHSBL, reverse DNS, greylisting, rate limits).
 * The defaults are the plain values in `STATE_DEFAULTS` and
 * `REPUTATION_DEFAULTS`, mirrored with comments in config/default.yaml.
 */
import { isIPv4 } from 'node:net';
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const hostname = z
  .string()
  .regex(/^(?=.{1,200}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i, 'must be a DNS zone name');
/** `addr` or `addr/len`, IPv4 or IPv6; parsed again (and exactly) by the reputation module. */
const cidr = z.string().regex(/^[0-9a-f.:]{2,45}(\/\d{1,3})?$/i, 'must be an IP address or CIDR network');

/** The finding symbol a zone reports under when it names none: its name, upper-case, `.`/`-` as `_`. */
export function zoneSymbol(zone: { readonly zone: string; readonly symbol?: string | undefined }): string {
  return zone.symbol ?? zone.zone.toUpperCase().replace(/[^A-Z0-9]+/gu, '_').slice(0, 40);
}

const zoneSchema = z.strictObject({
  /** The list's DNS zone, e.g. `zen.spamhaus.org` (ip) or `dbl.spamhaus.org` (domain). */
  zone: hostname,
  /** `ip`: the client address, reversed (DNSBL); `domain`: sender and URL domains (RHSBL). */
  type: z.enum(['ip', 'domain']),
  /** Score of the finding when listed (policy may still override it per symbol). */
  weight: z.number().min(-100).max(100),
  /** Finding symbol suffix: `RBL_<symbol>` / `RHSBL_<symbol>`; default from the zone name. */
  symbol: z.string().regex(/^[A-Z0-9][A-Z0-9_]{0,39}$/u, 'must be UPPER_SNAKE, at most 40 characters').optional(),
  /** Only these return codes count as listed; absent: any 127.0.0.0/8 answer except 127.255.255.x (list errors). */
  answers: z
    .array(z.string().refine((a) => isIPv4(a) && a.startsWith('127.'), 'must be an IPv4 address in 127.0.0.0/8'))
    .min(1)
    .max(64)
    .optional(),
});

const limitSchema = z.strictObject({ count: positiveInt.max(10_000_000), perSeconds: positiveInt.max(30 * 86_400) });

const failMode = z.enum(['open', 'closed']);

export const reputationSchema = z
  .strictObject({
    dnsbl: z.strictObject({
      /** Lists asked, all concurrently. Empty: no DNSBL/RHSBL lookups. */
      zones: z.array(zoneSchema).max(32),
      /** Budget for all lookups of one stage (connection or message); late answers are RBL_TEMPERROR. */
      deadlineMs: positiveInt.max(30_000),
      /** Most domains asked per message (sender + URL domains), each against every domain zone. */
      maxDomains: positiveInt.max(200),
    }),
    rdns: z.strictObject({
      /** Forward-confirmed reverse DNS of the client at connection. */
      enabled: z.boolean(),
      /** PTR names verified at most (a PTR set can be long, and each costs a lookup). */
      maxNames: positiveInt.max(10),
      deadlineMs: positiveInt.max(30_000),
    }),
    greylisting: z.strictObject({
      enabled: z.boolean(),
      /** A retry earlier than this after the first attempt is deferred again. */
      minDelaySeconds: z.number().int().min(0).max(86_400),
      /** A retry later than this after the first attempt starts over. */
      windowHours: positiveInt.max(24 * 14),
      /** A passed triplet (and an auto-whitelisted network+domain) is remembered this long. */
      passTtlDays: positiveInt.max(365),
      /** Passed triplets from one network + sender domain before the pair skips greylisting; 0: never. */
      autoWhitelistAfter: z.number().int().min(0).max(1000),
      /** Clients never greylisted (own relays, partners), as addresses or CIDR networks. */
      exemptNetworks: z.array(cidr).max(10_000),
      /** Clients whose reverse DNS is forward-confirmed are not greylisted. */
      skipVerifiedRdns: z.boolean(),
      /** Shared state down: `open` accepts without greylisting, `closed` defers (451 4.3.0). */
      onStateFailure: failMode,
    }),
    rateLimits: z.strictObject({
      /** Transactions (MAIL FROM) per client address (IPv6: per /64); absent: no limit. */
      perIp: limitSchema.optional(),
      /** Transactions per envelope sender address (the null sender is not counted). */
      perSender: limitSchema.optional(),
      /** Transactions per envelope sender domain. */
      perSenderDomain: limitSchema.optional(),
      /** Clients never rate-limited here (own relays), as addresses or CIDR networks. */
      exemptNetworks: z.array(cidr).max(10_000),
      /** Shared state down: `open` accepts without counting, `closed` defers (451 4.3.0). */
      onStateFailure: failMode,
    }),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.dnsbl.zones.forEach((zone, index) => {
      const symbol = `${zone.type}:${zoneSymbol(zone)}`;
      if (seen.has(symbol)) ctx.addIssue({ code: 'custom', path: ['dnsbl', 'zones', index, 'symbol'], message: `symbol ${zoneSymbol(zone)} already used by another ${zone.type} zone` });
      seen.add(symbol);
    });
  });

export type ReputationSettings = z.output<typeof reputationSchema>;

export const REPUTATION_DEFAULTS = {
  dnsbl: { zones: [], deadlineMs: 2000, maxDomains: 20 },
  rdns: { enabled: true, maxNames: 3, deadlineMs: 2000 },
  greylisting: {
    enabled: false,
    minDelaySeconds: 300,
    windowHours: 24,
    passTtlDays: 36,
    autoWhitelistAfter: 5,
    exemptNetworks: [],
    skipVerifiedRdns: false,
    onStateFailure: 'open',
  },
  rateLimits: {
    perIp: { count: 600, perSeconds: 3600 },
    perSender: { count: 300, perSeconds: 3600 },
    perSenderDomain: { count: 3000, perSeconds: 3600 },
    exemptNetworks: [],
    onStateFailure: 'open',
  },
} as const satisfies z.input<typeof reputationSchema>;

export const stateSchema = z.strictObject({
  /** `memory`: this node only; `redis`: shared by every node (required for more than one node). */
  backend: z.enum(['memory', 'redis']),
  memory: z.strictObject({
    /** Most keys kept in process; the oldest are evicted beyond it. */
    maxKeys: positiveInt.max(50_000_000),
  }),
  redis: z.strictObject({
    /** `redis://[user@]host:port/db`, `rediss://` for TLS. */
    url: z.string().regex(/^rediss?:\/\/\S{1,500}$/u, 'must be a redis:// or rediss:// URL'),
    /** Kept out of the URL so `moat config print` redacts it; use `${env:...}`. */
    password: z.string().max(512).optional(),
    /** Prefix of every key: lets several installations share one Redis. */
    keyPrefix: z.string().regex(/^\S{1,64}$/u, 'must be 1-64 characters without spaces'),
    /** Deadline of every command: a slow Redis costs an SMTP stage at most this. */
    commandTimeoutMs: positiveInt.max(10_000),
    /** Deadline of one connection attempt, and of the start-up readiness check. */
    connectTimeoutMs: positiveInt.max(60_000),
    /** Reconnect backoff: first delay, doubled per attempt up to maxDelayMs, with jitter. */
    reconnect: z.strictObject({ minDelayMs: positiveInt.max(60_000), maxDelayMs: positiveInt.max(300_000) }),
    /**
     * Redis lost: `local` answers from this node's in-process state (limits per node,
     * a warning logged) until Redis is back; `fail` leaves it to each check's `onStateFailure`.
     */
    onUnavailable: z.enum(['local', 'fail']),
  }),
});

export type StateSettings = z.output<typeof stateSchema>;

export const STATE_DEFAULTS = {
  backend: 'memory',
  memory: { maxKeys: 200_000 },
  redis: {
    url: 'redis://127.0.0.1:6379/0',
    keyPrefix: 'moat:',
    commandTimeoutMs: 250,
    connectTimeoutMs: 2000,
    reconnect: { minDelayMs: 100, maxDelayMs: 5000 },
    onUnavailable: 'local',
  },
} as const satisfies z.input<typeof stateSchema>;
