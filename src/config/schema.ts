/**
 * The one configuration schema. Every key is validated at start-up; an error
 * names the key and why. Defaults live in `config/default.yaml` (with a
 * comment per key), not here, so operators can read them in one place.
 */
import { z } from 'zod';
import { ACTIONS } from '../core/index.js';
import { authSectionSchema } from './sections/auth.js';
import { reputationSchema, stateSchema } from './sections/reputation.js';
import { linksSectionSchema, protectedPersonSchema } from './sections/links.js';
import { spamSchema } from './sections/spam.js';
import { intelFeedsSchema } from './sections/intel-feeds.js';

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
const listen = z.strictObject({ host: z.string().min(1), port });

const rate = z.strictObject({
  count: positiveInt,
  perSeconds: positiveInt,
});

const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i, 'must be a DNS host name');

const action = z.enum(ACTIONS);

/** `addr` or `addr/len`, IPv4 or IPv6; parsed exactly when the listener starts. */
const network = z.string().regex(/^[0-9a-f.:]{2,45}(\/\d{1,3})?$/i, 'must be an IP address or CIDR network');

const nextHop = z.strictObject({
  host: z.string().min(1),
  port: port.default(25),
  /** `required`: STARTTLS or fail; `opportunistic`: try STARTTLS; `none`: plaintext. */
  tls: z.enum(['required', 'opportunistic', 'none']).default('opportunistic'),
  /** Verify the next hop's certificate chain and name. */
  verifyCertificate: z.boolean().default(false),
});

const thresholds = z.strictObject({
  tag: z.number(),
  quarantine: z.number(),
  reject: z.number(),
});

/** Names an organization (tenant); the tenants issue moves them to the database. */
export const organizationName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'must be 1-63 letters, digits, dot, dash or underscore');

const symbolName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an UPPER_SNAKE symbol');
const engineName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be an engine name such as clamav, yara, ioc, filetype, c2');
/** `user@example.com`, `example.com` (that domain), `*.example.com` (it and its subdomains). */
const senderPattern = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.string().regex(/^([^\s@]+@)?(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/, 'must be an address (a@example.com), a domain (example.com) or *.example.com'));
const fileExtension = z
  .string()
  .transform((s) => s.trim().toLowerCase().replace(/^\./, ''))
  .pipe(z.string().regex(/^[a-z0-9]{1,16}$/, 'must be a file extension such as exe or .js'));

/**
 * The policy settings an organization, a domain or a recipient may override.
 * Every key is optional: a scope says only what differs from the scope above.
 */
export const policyRulesSchema = z.strictObject({
  thresholds: z.strictObject({ tag: z.number(), quarantine: z.number(), reject: z.number() }).partial().optional(),
  subjectPrefix: z.string().max(64).optional(),
  /** Put in front of the Subject of mail from outside (not an authenticated own domain) that is delivered; empty: no banner. */
  externalSubjectPrefix: z.string().max(32).optional(),
  criticalAction: z.enum(['quarantine', 'reject']).optional(),
  onEngineFailure: action.optional(),
  symbolScores: z.record(symbolName, z.number()).optional(),
  symbolActions: z.record(symbolName, action).optional(),
  /** Per engine: off (its findings are ignored) and what its failure does (fail open or closed). */
  engines: z.record(engineName, z.strictObject({ enabled: z.boolean().optional(), onFailure: action.optional() })).optional(),
  senders: z
    .strictObject({
      /** Score thresholds do not apply to these senders; critical findings and forced actions still do. */
      allow: z.array(senderPattern).optional(),
      deny: z.array(senderPattern).optional(),
      denyAction: z.enum(['quarantine', 'reject']).optional(),
    })
    .optional(),
  fileTypes: z
    .strictObject({
      /** Extensions (from the content or the name) refused at any archive depth. */
      block: z.array(fileExtension).optional(),
      /** Extensions whose file-type findings are waived (never a virus or exploit finding). */
      allow: z.array(fileExtension).optional(),
      action: z.enum(['quarantine', 'reject']).optional(),
    })
    .optional(),
  stripAttachments: z
    .strictObject({
      /** Deliver with the offending attachments replaced by a notice instead of quarantining the whole message. */
      enabled: z.boolean().optional(),
      /** Text of the notice; {name}, {type} and {reason} are filled in. */
      notice: z.string().min(1).max(2000).optional(),
    })
    .optional(),
  /**
   * Protected people added to the installation's `links.vips` for this scope's recipients (IMPERSONATION_VIP).
   * Narrower scopes add people; the same name again adds addresses. 1,000 per scope keeps a resolved list
   * (three scopes) within what travels with each analysis job (src/analysis/pool.ts MAX_JOB_VIPS).
   */
  vips: z.array(protectedPersonSchema).max(1000).optional(),
});

export type PolicyRules = z.infer<typeof policyRulesSchema>;

const domain = z.strictObject({
  name: hostname,
  /** The organization (tenant) the domain belongs to (absent: `default`); its policy applies between the installation's and the domain's. */
  organization: organizationName.optional(),
  /** `any`: every local part is accepted; otherwise the list of accepted addresses (local parts or full). */
  recipients: z.union([z.literal('any'), z.array(z.string().min(1)).min(1)]).default('any'),
  /** Absent: deliver into the local Maildir under the data folder. */
  nextHop: nextHop.optional(),
  thresholds: thresholds.optional(),
  subjectPrefix: z.string().optional(),
});

/** How long records are kept; 0 keeps them forever. */
const retention = z.strictObject({
  /** Message-log rows (with their recipients, artifacts, URLs, findings, attempts) of finished messages. */
  messagesDays: z.number().int().min(0).max(36_500),
  /** Held quarantine entries (and their bodies, once no other entry shares them). */
  quarantineDays: z.number().int().min(0).max(36_500),
});

export const configSchema = z.strictObject({
  node: z.strictObject({
    /** Stable name of this node in a cluster; it owns its spool and its queue rows. */
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'must be 1-63 letters, digits, dot, dash or underscore'),
    /** Name used in the banner, EHLO, `Received:` and DSNs. */
    hostname,
  }),
  /** Folder for the spool, database, Maildir, quarantine and generated TLS keys. */
  dataDir: z.string().min(1),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
  smtp: z.strictObject({
    listen,
    banner: z.string().min(1),
    /** Load balancers whose connections start with a PROXY protocol header (v1 or v2), as addresses or CIDR networks. */
    proxyProtocol: z.strictObject({ trustedNetworks: z.array(network).max(1000), headerTimeoutSeconds: positiveInt.max(60) }),
    /** MTAs that may hand on their client with XCLIENT (Postfix), as addresses or CIDR networks; advertised only to them. */
    xclient: z.strictObject({ trustedNetworks: z.array(network).max(1000) }),
    tls: z.strictObject({
      /** PEM certificate chain file; absent: a self-signed one is generated into the data folder. */
      cert: z.string().optional(),
      key: z.string().optional(),
      minVersion: z.enum(['TLSv1.2', 'TLSv1.3']),
    }),
    limits: z.strictObject({
      maxConnections: positiveInt,
      maxConnectionsPerIp: positiveInt,
      connectionRatePerIp: rate,
      messageRatePerIp: rate,
      maxRecipients: positiveInt,
      maxMessageBytes: positiveInt,
      idleTimeoutSeconds: positiveInt,
      dataTimeoutSeconds: positiveInt,
      maxBadCommands: positiveInt,
    }),
    /** What to do with a bare LF in DATA (SMTP smuggling vector): refuse, or accept and record a finding. */
    bareLf: z.enum(['reject', 'accept']),
  }),
  http: z.strictObject({
    listen,
    /** A bearer token acting as an installation administrator; set it from `${env:...}`. Absent: only users sign in. */
    adminToken: z.string().min(32, 'must be at least 32 characters (generate one: openssl rand -hex 32)').max(512).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional(),
    /**
     * The session cookie's Secure flag: `auto` sets it on HTTPS requests; `always` sets it on
     * every one (the admin UI behind a TLS-terminating proxy, where Moat itself sees HTTP).
     */
    secureCookies: z.enum(['auto', 'always']),
    /** Sign-in sessions: idle and absolute lifetimes. */
    sessions: z.strictObject({ idleMinutes: positiveInt.max(1440), maxHours: positiveInt.max(720) }),
    /** Lock-out after failed passwords, and sign-in attempts per client address per minute. */
    login: z.strictObject({ maxFailures: positiveInt.max(100), lockMinutes: positiveInt.max(10_080), perAddressPerMinute: positiveInt.max(10_000) }),
  }),
  /** Sender authentication: SPF, DKIM, DMARC, ARC (src/auth). */
  auth: authSectionSchema,
  /** State shared by the nodes of an installation: rate limits, greylisting (src/state). */
  state: stateSchema,
  /** DNSBL/RHSBL, reverse DNS, greylisting, shared rate limits (src/reputation). */
  reputation: reputationSchema,
  /** What the links and impersonation pass protects: own domains, brands, people (src/analysis/links). */
  links: linksSectionSchema,
  /** The Bayes spam classifier and its per-organization training (src/spam). */
  spam: spamSchema,
  /** The DNS client: sender authentication, DNSBL/RHSBL and reverse DNS. */
  dns: z.strictObject({
    /** `host` or `host:port`; empty: the system's resolvers. */
    servers: z.array(z.string().min(1)),
    timeoutMs: positiveInt.max(30_000),
    tries: positiveInt.max(5),
    cache: z.strictObject({ maxEntries: z.number().int().min(0).max(10_000_000), positiveTtlSeconds: z.number().int().min(0), negativeTtlSeconds: z.number().int().min(0) }),
  }),
  storage: z.strictObject({
    /** `sqlite`: one node, embedded; `postgres`: shared by every node of an installation. */
    backend: z.enum(['sqlite', 'postgres']),
    sqlite: z.strictObject({ path: z.string().min(1) }),
    postgres: z.strictObject({
      /** `postgres://user@host:port/database`; the password goes in `password` (from `${env:...}`). */
      url: z.string().regex(/^postgres(ql)?:\/\/[^\s?]{1,500}$/, 'must be a postgres:// URL without query parameters'),
      password: z.string().max(512).optional(),
      /** Schema (search_path) of Moat's tables; absent: the server's default. */
      schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case schema name').optional(),
      /** TLS to the server: false, true (verified), or { rejectUnauthorized, ca (PEM text) }. */
      ssl: z.union([z.boolean(), z.strictObject({ rejectUnauthorized: z.boolean().optional(), ca: z.string().optional() })]),
      poolMax: positiveInt.max(200),
      connectTimeoutMs: positiveInt.max(120_000),
      statementTimeoutMs: positiveInt.max(600_000),
    }),
  }),
  analysis: z.strictObject({
    workers: positiveInt.max(64),
    timeBudgetMs: positiveInt,
    /** Applies when analysis exceeds its budget or crashes. Never `deliver`. */
    onTimeout: z.enum(['quarantine', 'defer']),
    // Below ~32 MB a worker can die while loading its modules.
    workerHeapMb: positiveInt.min(32),
    maxMimeParts: positiveInt,
    maxMimeDepth: positiveInt,
    yara: z.strictObject({
      /** Match every artifact (archive members included) against the rules. */
      enabled: z.boolean(),
      /** Directory of *.yar / *.yara files (not recursive); relative paths are from the Moat installation. */
      rulesDir: z.string().min(1),
      maxMatchesPerArtifact: positiveInt,
      /** Bytes of one artifact scanned (the binding has no scan timeout). */
      maxScanBytes: positiveInt,
    }),
    clamav: z.strictObject({
      /** Scan every artifact (parts and archive members) with clamd. */
      enabled: z.boolean(),
      /** clamd's Unix socket (LocalSocket); used instead of host and port when set. */
      socketPath: z.string().min(1).optional(),
      host: z.string().min(1),
      port,
      timeoutMs: positiveInt,
      connectTimeoutMs: positiveInt,
      /** Keep at or below clamd's StreamMaxLength; bigger artifacts are not sent (CLAMAV_TOO_LARGE). */
      maxStreamBytes: positiveInt,
      /** `uncovered`: members clamd already saw inside a container it unpacks itself are not sent again; `all`: every member. */
      members: z.enum(['uncovered', 'all']),
    }),
    /** Archive/document expansion budget per message (src/analysis/dissect/budget.ts). */
    expansion: z.strictObject({
      maxTotalBytes: positiveInt,
      maxEntries: positiveInt,
      maxDepth: positiveInt.max(64),
      maxRatio: positiveInt,
      maxMemberBytes: positiveInt,
    }),
  }),
  policy: z.strictObject({
    thresholds,
    subjectPrefix: z.string().optional(),
    /** Subject banner for delivered mail from outside (see policyRulesSchema); empty: none. */
    externalSubjectPrefix: z.string().max(32),
    /** Override the score a symbol contributes. */
    symbolScores: z.record(symbolName, z.number()),
    /** Action for any finding of severity `critical` (malware, exploit structures), whatever the score. */
    criticalAction: z.enum(['quarantine', 'reject']),
    /** Action when an engine failed on an artifact (`<ENGINE>_FAIL`, `<X>_UNAVAILABLE`): fail closed unless set to deliver. */
    onEngineFailure: action,
    /** Force an action whenever a symbol is present. */
    symbolActions: z.record(symbolName, action),
    engines: z.record(engineName, z.strictObject({ enabled: z.boolean().optional(), onFailure: action.optional() })),
    senders: z.strictObject({ allow: z.array(senderPattern), deny: z.array(senderPattern), denyAction: z.enum(['quarantine', 'reject']) }),
    fileTypes: z.strictObject({ block: z.array(fileExtension), allow: z.array(fileExtension), action: z.enum(['quarantine', 'reject']) }),
    stripAttachments: z.strictObject({ enabled: z.boolean(), notice: z.string().min(1).max(2000) }),
    /** Organization, domain and recipient policy (YAML) imported into the database at start and on reload. */
    file: z.string().min(1).optional(),
    /** How often a node looks for a new policy revision in the database. */
    refreshSeconds: positiveInt.max(3600),
  }),
  /** Indicators of compromise and hash reputation, loaded at start by every node and worker. */
  intel: z.strictObject({
    /** CSV files with the header `type,value,source,confidence,severity,expires,description`. */
    csv: z.array(z.string().min(1)),
    /** Plain lists, one value per line; the type is inferred unless given. */
    lists: z.array(
      z.strictObject({
        path: z.string().min(1),
        type: z.enum(['sha256', 'sha1', 'md5', 'ipv4', 'ipv6', 'domain', 'email', 'url', 'subject', 'filename']).optional(),
        source: z.string().min(1).optional(),
        severity: z.enum(['info', 'low', 'medium', 'high', 'critical']).default('high'),
        confidence: z.number().int().min(0).max(100).default(80),
      }),
    ),
    hashReputation: z.strictObject({
      /** Known-good SHA-256 lists (your own signed installers): HASH_ALLOWLISTED. */
      allow: z.array(z.string().min(1)),
      /** Known-bad SHA-256 lists: HASH_BLOCKLISTED. */
      block: z.array(z.string().min(1)),
    }),
    /** Largest indicator file read; a wrong path must not exhaust memory. */
    maxFileBytes: positiveInt,
    /**
     * How often a node checks whether the database indicators changed (a change made on another
     * node or by the CLI); a change made through this node's API applies at once.
     */
    refreshSeconds: z.number().int().min(1).max(3600),
    /** TAXII 2.1 collections polled on a schedule (src/config/sections/intel-feeds.ts). */
    feeds: intelFeedsSchema,
  }),
  domains: z.array(domain).min(1),
  /** Settings of organizations (tenants) named by domains[].organization. */
  organizations: z.array(
    z.strictObject({
      name: organizationName,
      /** ISO 3166-1 alpha-2 country code (for reports by country and region). */
      country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US or DE').optional(),
      /** Sector, for campaign reports (which sectors a campaign targets). */
      sector: z.enum(['government', 'foreign-affairs', 'trade', 'academia', 'high-tech', 'finance', 'health', 'energy', 'other']).optional(),
      retention: retention.partial().optional(),
      /** Where mail for this organization's domains goes when a domain names no next hop of its own. */
      nextHop: nextHop.optional(),
    }),
  ),
  /** IP address → country, for the sender countries of campaign reports. */
  geo: z.strictObject({
    /** An MMDB file with `country_code` or GeoLite2 `country.iso_code` records; absent: the shipped geo-whois-asn-country database. */
    countryDatabase: z.string().min(1).optional(),
  }),
  /** Campaigns: suspicious mail grouped by shared artifacts, infrastructure, lures and link domains (issue 8). */
  campaigns: z.strictObject({
    /** How often one node reclusters (0: only on request, `moat campaigns recluster` or the API). */
    intervalSeconds: z.number().int().min(0).max(86_400),
    /** The window of mail reclustered, days back from now. */
    windowDays: z.number().int().min(1).max(3650),
    /** Fewest messages a cluster needs to become a campaign. */
    minMembers: z.number().int().min(2).max(1000),
  }),
  /** Retention, enforced by a background job in small batches; organizations may override it. */
  retention: retention.extend({
    /** How often the job runs. */
    intervalMinutes: z.number().int().min(1).max(1440),
    /** Rows per transaction: short transactions, no long locks. */
    batchSize: z.number().int().min(10).max(100_000),
  }),
  delivery: z.strictObject({
    concurrency: positiveInt,
    maxAgeHours: positiveInt,
    retry: z.strictObject({
      initialSeconds: positiveInt,
      maxSeconds: positiveInt,
      factor: z.number().min(1),
    }),
    connectTimeoutSeconds: positiveInt,
    /** Local Maildir (relative to the data folder) for domains without a next hop. */
    maildir: z.string().min(1),
    /** Route for mail to domains Moat does not serve (bounces to senders). Absent: the domain's MX from DNS. */
    smartHost: nextHop.optional(),
  }),
});

export type MoatConfig = z.infer<typeof configSchema>;
export type DomainConfig = MoatConfig['domains'][number];
export type NextHopConfig = NonNullable<DomainConfig['nextHop']>;
export type PolicyConfig = MoatConfig['policy'];
export type SmtpConfig = MoatConfig['smtp'];
export type AnalysisConfig = MoatConfig['analysis'];
export type DeliveryConfig = MoatConfig['delivery'];
