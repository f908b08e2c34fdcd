/**
 * The composition root: the only place that constructs services and wires
 * them together. `startGateway` brings a node up in dependency order and
 * `stop` takes it down in reverse, draining what is in flight.
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { ConfigError, MoatError, type Verdict } from '../core/index.js';
import type { MoatConfig } from '../config/index.js';
import { ensureTlsCredentials, isAcceptedRecipient } from '../config/index.js';
import { clamavHealth, createAnalysisPool, matchEnvelope, type YaraReloadResult } from '../analysis/index.js';
import { buildNetworkSet } from '../intel/index.js';
import { decide, DEFAULT_ORGANIZATION, isStricter, mergeVips, organizationOf, type PolicyResolver, type ProtectedPerson } from '../policy/index.js';
import { Spool } from '../spool/index.js';
import { createDeliveryRunner } from '../delivery/index.js';
import { createIndicatorsStore, createIntelFeedsStore, createMessageLog, createPolicyStore, createSeenDomains, DEFAULT_ORGANIZATION_ID, syncOrganizations, createQueueStore, readDashboard } from '../storage/index.js';
import { createIntake, createSmtpListener, type ConnectionResult } from '../smtp/index.js';
import { createMetrics, type SmtpConnectionResult } from '../observability/index.js';
import { createHttpServer, type HealthReport } from '../web/index.js';
import { analysisPoolOptions, engineSettings, openYaraRules } from './analysis-options.js';
import { startIntelService } from './intel-service.js';
import { createHuntPort, createRetroHunt, longestRetentionDays } from './retro-hunt.js';
import { createIntelFeeds } from './intel-feeds.js';
import { createLocalInjector } from './injector.js';
import { recoverSpool } from './recover.js';
import { startPolicyService } from './policy-service.js';
import { addressOf } from './sender.js';
import { messageDomains, startScreening } from './screening.js';
import { openSpamFilter } from './spam-filter.js';
import { createNewDomainCheck } from './new-domains.js';
import { startRetentionJob } from './retention.js';
import { createCampaignService, loadCountryLookup } from './campaigns.js';
import { openStorage } from './storage.js';
import { createQuarantineDecisions, openQuarantine, openQuarantinePreview, quarantineDownload } from './quarantine.js';
import { openAccess } from './access.js';
import { createPolicyAdmin } from './policy-admin.js';
import { dataPath } from './paths.js';

/** The admin UI as `npm run build` leaves it (dist/ui, beside dist/src); served only when it was built. */
const UI_ROOT = fileURLToPath(new URL('../../ui/', import.meta.url));

export { dataPath };

const CONNECTION_METRIC: Readonly<Record<ConnectionResult, SmtpConnectionResult>> = {
  accepted: 'accepted',
  'refused-rate': 'rate',
  'refused-concurrency': 'limit',
};

export interface Gateway {
  readonly smtpAddress: AddressInfo;
  readonly httpAddress: AddressInfo;
  /** Set when this start created the first administrator: its password, to print once. */
  readonly firstAdminPassword?: string;
  /** Re-reads the YARA rules (SIGHUP); a set that does not compile leaves the running one in place. */
  reloadRules(): Promise<YaraReloadResult | undefined>;
  /** Re-imports the policy file and applies the newest policy revision; an invalid one throws and leaves the running policy in place. */
  reloadPolicy(): Promise<{ revision: number; changed: boolean }>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  readonly config: MoatConfig;
  readonly logger: Logger;
}


/** A trust predicate over configured networks; undefined when the list is empty (the feature is off). */
function trustedNetworks(networks: readonly string[], key: string): ((address: string) => boolean) | undefined {
  if (networks.length === 0) return undefined;
  const built = buildNetworkSet(networks);
  if (built.invalid.length > 0) throw new ConfigError(built.invalid.map((entry) => `${key}: not an address or CIDR network: ${JSON.stringify(entry)}`), 'configuration');
  return (address) => built.contains(address);
}

/** Engines that every recipient's policy switched off: those need not run at all. */
function enginesOffForAll(resolver: PolicyResolver, recipients: readonly string[]): string[] {
  const offSets = recipients.map((r) => Object.entries(resolver.resolve(r).rules.engines).filter(([, rule]) => !rule.enabled).map(([name]) => name));
  const [first, ...rest] = offSets;
  return (first ?? []).filter((name) => rest.every((off) => off.includes(name)));
}

/** Protected people of any recipient's policy: the analysis checks the message against all of them. */
function vipsForAny(resolver: PolicyResolver, recipients: readonly string[]): readonly ProtectedPerson[] {
  // Recipients of one transaction usually share one policy: its list is passed as is, not rebuilt.
  return recipients.reduce<readonly ProtectedPerson[]>((union, r) => {
    const vips = resolver.resolve(r).vips;
    return union.length === 0 || union === vips ? vips : mergeVips(union, vips);
  }, []);
}

export async function startGateway({ config, logger }: GatewayOptions): Promise<Gateway> {
  const nodeId = config.node.id;
  await mkdir(config.dataDir, { recursive: true, mode: 0o750 });
  const tls = await ensureTlsCredentials({
    dataDir: config.dataDir,
    hostname: config.node.hostname,
    ...(config.smtp.tls.cert === undefined ? {} : { cert: config.smtp.tls.cert }),
    ...(config.smtp.tls.key === undefined ? {} : { key: config.smtp.tls.key }),
  });
  if (tls.selfSigned) logger.warn({ path: tls.path }, 'STARTTLS uses a self-signed certificate');

  const storage = await openStorage(config, logger.child({ component: 'storage' }));
  // The policy first: an invalid policy file refuses the start before anything listens or runs.
  // The change feed makes another node's (or the CLI's) import apply here at once; polling stays the fallback.
  const policy = await startPolicyService({
    config,
    store: createPolicyStore(storage.db, storage.changes),
    ...(storage.changes === undefined ? {} : { changes: storage.changes }),
    logger: logger.child({ component: 'policy' }),
  }).catch(async (error: unknown) => {
    await storage.close();
    throw error;
  });
  const screening = await startScreening(config, logger).catch(async (error: unknown) => {
    await policy.stop();
    await storage.close();
    throw error;
  });
  const spamFilter = await openSpamFilter(config, storage.db).catch(async (error: unknown) => {
    await policy.stop();
    await screening.close();
    await storage.close();
    throw error;
  });
  // Every organization the config names has a row; messages and queue rows carry its id.
  const countries = new Map(config.organizations.flatMap((o) => (o.country === undefined ? [] : [[o.name, o.country] as const])));
  const sectors = new Map(config.organizations.flatMap((o) => (o.sector === undefined ? [] : [[o.name, o.sector] as const])));
  const organizationIds = await syncOrganizations(storage.db, [DEFAULT_ORGANIZATION, ...config.domains.map(organizationOf)], countries, sectors);
  const organizationIdOf = (recipient: string | undefined): number => organizationIds.get(policy.current().resolve(recipient).organization) ?? DEFAULT_ORGANIZATION_ID;
  const messageLog = createMessageLog(storage.db, nodeId);
  const newDomains = createNewDomainCheck({
    seen: createSeenDomains(storage.db),
    windowDays: config.links.newDomainDays,
    own: new Set([...config.domains.map((d) => d.name.toLowerCase()), ...config.links.protectedDomains]),
  });
  const queue = createQueueStore(storage.db, nodeId);
  const spool = await Spool.open(join(config.dataDir, 'spool'));
  const quarantine = await openQuarantine(config, {
    db: storage.db,
    spool,
    enqueue: (queueId, recipients, now) => queue.enqueue(queueId, recipients, now),
    setStatus: (queueId, status) => messageLog.setStatus(queueId, status),
    organizationOf: (meta) => organizationIdOf(meta.envelope.rcptTo[0]),
  });
  const metrics = createMetrics();
  metrics.setQueueDepthSource(() => queue.depth());

  await recoverSpool({ spool, queue, logger });

  const yaraRules = await openYaraRules(config);
  if (yaraRules !== undefined) logger.info({ generation: yaraRules.generation() }, 'yara rules compiled');
  // The configured files and the database's indicators; bad file lines are logged here once (workers load their own copy).
  const indicatorsStore = createIndicatorsStore(storage.db);
  // Every store of new or updated indicators (API, import, feeds) hunts the log for them in the background, one hunt at a time.
  const retroHunt = createRetroHunt({ db: storage.db, indicators: indicatorsStore, logger: logger.child({ component: 'retro-hunt' }), registry: metrics.registry, retentionDays: longestRetentionDays(config) });
  const intel = await startIntelService({
    config,
    store: indicatorsStore,
    logger: logger.child({ component: 'intel' }),
    onStored: (indicators, trigger, by) => retroHunt.enqueue({ indicators: indicators.map((i) => ({ type: i.type, value: i.value })), trigger, by }),
  });
  const analysis = createAnalysisPool(
    analysisPoolOptions(config, { yaraRules, databaseIntel: intel.database(), onWorkerError: (error) => logger.warn({ err: error }, 'analysis worker error') }),
  );
  // A database indicator change (this node's API or another node) reaches the workers with their next task.
  intel.onChange(() => analysis.setEngines(engineSettings(config, yaraRules, intel.database())));

  const injector = createLocalInjector({ spool, queue, hostname: config.node.hostname });
  const runner = createDeliveryRunner({
    queue,
    spool,
    injector,
    log: messageLog,
    domains: config.domains,
    delivery: config.delivery,
    maildirRoot: dataPath(config, config.delivery.maildir),
    hostname: config.node.hostname,
    authservId: screening.authservId,
    logger: logger.child({ component: 'delivery' }),
    onOutcome: (outcome) => metrics.delivery.inc(outcome),
    ...(config.delivery.smartHost === undefined ? {} : { fallbackNextHop: config.delivery.smartHost }),
  });
  injector.onQueued(() => runner.kick());

  const decisionSettings = { onIncompleteAnalysis: config.analysis.onTimeout };
  const servedDomains = new Set(config.domains.map((d) => d.name.toLowerCase()));
  const intake = createIntake({
    spool,
    hostname: config.node.hostname,
    maxMessageBytes: config.smtp.limits.maxMessageBytes,
    bareLf: config.smtp.bareLf,
    logger: logger.child({ component: 'smtp' }),
    analyze: (path, envelope) => {
      const resolver = policy.current();
      return analysis.analyze(path, { skipEngines: enginesOffForAll(resolver, envelope.rcptTo), vips: vipsForAny(resolver, envelope.rcptTo) });
    },
    decide: ({ findings, analysis: result, envelope, queueId }) => {
      const headerFrom = addressOf(result.headers.from);
      // Internal only when the From: domain is ours and DMARC vouches for it: a forged internal From stays external.
      const fromDomain = headerFrom?.slice(headerFrom.lastIndexOf('@') + 1).toLowerCase();
      const internal = fromDomain !== undefined && servedDomains.has(fromDomain) && findings.some((f) => f.symbol === 'DMARC_PASS');
      const input = { findings, artifacts: result.artifacts, sender: { mailFrom: envelope.mailFrom, ...(headerFrom === undefined ? {} : { headerFrom }) }, external: !internal, queueId };
      // The listener keeps one policy per transaction; if a policy change landed between
      // RCPT and DATA, each policy still decides and the strictest verdict stands.
      const resolver = policy.current();
      const policies = new Map(envelope.rcptTo.map((rcpt) => resolver.resolve(rcpt)).map((p) => [p.version, p]));
      if (policies.size === 0) policies.set('', resolver.resolve());
      let verdict: Verdict | undefined;
      for (const resolved of policies.values()) {
        const candidate = decide(input, resolved, decisionSettings);
        if (verdict === undefined || isStricter(candidate, verdict)) verdict = candidate;
      }
      return verdict as Verdict;
    },
    hold: (incoming, meta) => quarantine.hold(incoming, meta),
    keepOriginal: (incoming, meta) => quarantine.keepOriginal(incoming, meta),
    dropHeld: (queueId) => quarantine.delete(queueId),
    // The listener keeps one organization per transaction (its policy version includes it).
    record: (entry) => messageLog.recordMessage({ ...entry, organizationId: organizationIdOf(entry.envelope.rcptTo[0]) }),
    kickDelivery: () => runner.kick(),
    ...(screening.authenticate === undefined ? {} : { authenticate: screening.authenticate }),
    enrich: async ({ envelope, analysis: result }) => {
      const { sender, links } = messageDomains(envelope.mailFrom, result.urls);
      const domains = [...(sender === undefined ? [] : [sender]), ...links].slice(0, config.reputation.dnsbl.maxDomains);
      const [listed, spam, fresh] = await Promise.all([
        screening.reputation.checkDomains(domains),
        spamFilter === undefined ? [] : spamFilter.classify(organizationIdOf(envelope.rcptTo[0]), result.spamTokens ?? []),
        newDomains.check(links),
      ]);
      return { findings: [...listed, ...spam, ...fresh], seenDomains: domains };
    },
    envelopeFindings: (envelope, headers) => {
      // Read per message: a database change replaces the store.
      const indicators = intel.matcher();
      if (indicators === undefined) return [];
      const headerFrom = addressOf(headers.from);
      return matchEnvelope(indicators, {
        clientIp: envelope.client.address,
        mailFrom: envelope.mailFrom,
        ...(headerFrom === undefined ? {} : { headerFrom }),
        ...(headers.subject === undefined ? {} : { subject: headers.subject }),
      });
    },
    observe: ({ action, analysisSeconds, findings }) => {
      metrics.messages.inc(action);
      metrics.analysisSeconds.observe(analysisSeconds);
      for (const finding of findings) metrics.findings.inc(finding.symbol);
    },
  });

  const trustProxy = trustedNetworks(config.smtp.proxyProtocol.trustedNetworks, 'smtp.proxyProtocol.trustedNetworks');
  const trustXclient = trustedNetworks(config.smtp.xclient.trustedNetworks, 'smtp.xclient.trustedNetworks');
  const smtp = createSmtpListener({
    smtp: config.smtp,
    hostname: config.node.hostname,
    tls,
    logger: logger.child({ component: 'smtp' }),
    observer: {
      connection: (result) => metrics.smtpConnections.inc(CONNECTION_METRIC[result]),
      active: (delta) => (delta > 0 ? metrics.smtpConnectionsActive.inc() : metrics.smtpConnectionsActive.dec()),
      dataReply: (seconds) => metrics.smtpDataReplySeconds.observe(seconds),
    },
    checkRecipient: (address) => {
      const check = isAcceptedRecipient(config, address);
      return check.ok ? { ok: true } : { ok: false, reason: check.reason };
    },
    policyOf: (address) => policy.current().resolve(address).version,
    screenConnection: (ip) => screening.screenConnection(ip),
    ...(trustProxy === undefined ? {} : { trustProxy, proxyHeaderTimeoutSeconds: config.smtp.proxyProtocol.headerTimeoutSeconds }),
    ...(trustXclient === undefined ? {} : { trustXclient }),
    screenSender: (input) => screening.screenSender(input),
    screenRecipient: (input) => screening.screenRecipient(input),
    intake,
  });

  const clamavSettings = engineSettings(config).clamav;
  const reloadRules = async (): Promise<YaraReloadResult | undefined> => {
    if (yaraRules === undefined) return undefined;
    const result = await yaraRules.reload();
    if (result.ok) {
      analysis.setEngines(engineSettings(config, yaraRules, intel.database()));
      logger.info({ generation: result.generation, rules: result.ruleCount }, 'yara rules reloaded');
    } else {
      logger.error({ err: result.error, generation: result.generation }, 'yara reload failed; the previous rules stay in force');
    }
    return result;
  };
  const reloadPolicy = async (): Promise<{ revision: number; changed: boolean }> => {
    try {
      const result = await policy.reload();
      logger.info({ revision: result.revision, changed: result.changed }, 'policy reloaded');
      return result;
    } catch (error) {
      logger.error({ err: error, revision: policy.current().revision }, 'policy reload failed; the previous policy stays in force');
      throw error;
    }
  };
  const health = async (): Promise<HealthReport> => ({
    checks: {
      database: await storage.db
        .selectFrom('organizations')
        .select('id')
        .limit(1)
        .execute()
        .then(() => ({ ok: true }), (error: unknown) => ({ ok: false, detail: String(error) })),
      spool: await access(spool.root, constants.W_OK).then(() => ({ ok: true }), (error: unknown) => ({ ok: false, detail: String(error) })),
      ...(clamavSettings === undefined ? {} : { clamav: await clamavHealth({ ...clamavSettings, timeoutMs: 2000 }) }),
    },
  });
  const adminAccess = await openAccess(config, storage.db, logger.child({ component: 'access' }));
  const preview = openQuarantinePreview(config, quarantine, (error) => logger.warn({ err: error }, 'preview worker error'));
  const decisions = createQuarantineDecisions({
    config,
    quarantine,
    spam: spamFilter,
    organizationOf: async (queueId) => (await messageLog.get(queueId))?.organizationId ?? DEFAULT_ORGANIZATION_ID,
  });
  const uiBuilt = await access(join(UI_ROOT, 'index.html'), constants.R_OK).then(() => true, () => false);
  // The country database (~8 MB) is read on the first report, not at start.
  const campaigns = createCampaignService({ db: storage.db, logger: logger.child({ component: 'campaigns' }), geo: loadCountryLookup(config), config });
  // TAXII feeds: polled on timers, one node at a time per feed; their indicators go through the import path.
  const feeds =
    config.intel.feeds.length === 0
      ? undefined
      : createIntelFeeds({
          feeds: config.intel.feeds,
          store: createIntelFeedsStore(storage.db),
          storeRows: (rows, by) => intel.importRows(rows, by),
          node: nodeId,
          logger: logger.child({ component: 'intel-feeds' }),
          registry: metrics.registry,
        });
  const http = createHttpServer({
    ...(uiBuilt ? { uiRoot: UI_ROOT } : {}),
    logger: logger.child({ component: 'http' }),
    metrics,
    access: adminAccess.options,
    policy: createPolicyAdmin({ config, db: storage.db, store: createPolicyStore(storage.db, storage.changes), service: policy }),
    mail: {
      messages: {
        search: messageLog.search,
        // The message page marks what a retro-hunt found in it.
        get: async (queueId) => {
          const message = await messageLog.get(queueId);
          if (message === undefined) return undefined;
          const found = await retroHunt.store.matchesOfMessage(queueId);
          return { ...message, huntMatches: found.map((m) => ({ runId: m.runId, indicatorType: m.indicatorType, indicatorValue: m.indicatorValue, matchedField: m.matchedField, foundAt: m.foundAt })) };
        },
      },
      quarantine: {
        list: (options) => quarantine.list(options),
        show: (queueId) => quarantine.show(queueId),
        release: decisions.release,
        delete: (queueId) => quarantine.delete(queueId),
        confirm: decisions.confirm,
        download: (queueId, format) => quarantineDownload(quarantine, queueId, format),
      },
    },
    ...(config.http.adminToken === undefined ? {} : { adminToken: config.http.adminToken }),
    reload: async () => {
      const rules = await reloadRules();
      const policyPart = await reloadPolicy().then(
        (r) => ({ ok: true, detail: `revision ${r.revision}${r.changed ? ' (new)' : ' (unchanged)'}` }),
        (error: unknown) => ({ ok: false, detail: error instanceof Error ? error.message : String(error) }),
      );
      const rulesPart =
        rules === undefined
          ? { ok: true, detail: 'YARA disabled' }
          : rules.ok
            ? { ok: true, detail: `generation ${rules.generation}, ${rules.ruleCount} rules` }
            : { ok: false, detail: rules.error.message };
      return { ok: rulesPart.ok && policyPart.ok, parts: { yara: rulesPart, policy: policyPart } };
    },
    health,
    preview,
    intel: intel.port,
    ...(feeds === undefined
      ? {}
      : {
          feeds: {
            list: () => feeds.status(),
            poll: async (name: string, by: string) => (config.intel.feeds.some((f) => f.name === name) ? feeds.poll(name, { force: true, by }) : undefined),
          },
        }),
    hunts: createHuntPort(retroHunt, storage.db),
    campaigns: campaigns.port,
    dashboard: {
      figures: (window) => readDashboard(storage.db, window),
      health,
      engines: async () => ({
        policyRevision: policy.current().revision,
        ...(yaraRules === undefined ? { yara: 'off' } : { yaraRules: yaraRules.rules().ruleCount, yaraGeneration: yaraRules.generation() }),
        ...(clamavSettings === undefined ? { clamav: 'off' } : { clamav: (await clamavHealth({ ...clamavSettings, timeoutMs: 2000 })).detail }),
      }),
    },
  });

  const retention = startRetentionJob({ config, db: storage.db, quarantine, organizationIds, logger: logger.child({ component: 'retention' }) });
  runner.start();
  const smtpAddress = await smtp.listen();
  await http.listen({ host: config.http.listen.host, port: config.http.listen.port }).catch(async (error: NodeJS.ErrnoException) => {
    await smtp.close();
    throw new MoatError('HTTP_LISTEN_FAILED', `cannot listen for HTTP on ${config.http.listen.host}:${config.http.listen.port} (http.listen): ${error.code ?? error.message}`, { cause: error });
  });
  const httpAddress = http.server.address() as AddressInfo;
  logger.info({ smtp: `${smtpAddress.address}:${smtpAddress.port}`, http: `${httpAddress.address}:${httpAddress.port}`, node: nodeId }, 'moat started');
  // Once everything listens: a start that fails never leaves a poll behind.
  feeds?.start();
  campaigns.start();

  let stopping: Promise<void> | undefined;
  return {
    smtpAddress,
    httpAddress,
    ...(adminAccess.firstAdminPassword === undefined ? {} : { firstAdminPassword: adminAccess.firstAdminPassword }),
    reloadRules,
    reloadPolicy,
    stop() {
      stopping ??= (async () => {
        await policy.stop();
        // Before the intel service: a poll in flight is aborted and records its outcome while storage is open.
        await feeds?.stop();
        await intel.stop();
        // A hunt in flight finishes (and records its run) while storage is open.
        await retroHunt.idle();
        await retention.stop();
        await campaigns.stop();
        await smtp.close();
        await runner.stop();
        await analysis.close();
        await preview.close();
        await screening.close();
        await http.close();
        await storage.close();
        logger.info('moat stopped');
      })();
      return stopping;
    },
  };
}
