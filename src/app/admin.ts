/**
 * The services the CLI's admin commands need (log, queue, quarantine),
 * opened on the same data folder as a running gateway. SQLite in WAL mode
 * lets both processes share the database; the gateway's delivery runner
 * picks up rows the CLI queues within its poll interval.
 */
import { join } from 'node:path';
import { createLogger } from '../observability/index.js';
import type { MoatConfig } from '../config/index.js';
import { MoatError } from '../core/index.js';
import type { Quarantine } from '../quarantine/index.js';
import { createQuarantineDecisions, openQuarantine } from './quarantine.js';
import { Spool } from '../spool/index.js';
import { createPolicyResolver, EMPTY_POLICY_DOCUMENT, type PolicyResolver } from '../policy/index.js';
import {
  createAuditLog,
  createIndicatorsStore,
  createIntelFeedsStore,
  createMessageLog,
  createPolicyStore,
  DEFAULT_ORGANIZATION_ID,
  createQueueStore,
  type IndicatorsStore,
  type IntelFeedsStore,
  type MessageLog,
  type PolicyStore,
  type SqlQueueStore,
} from '../storage/index.js';
import { openStorage } from './storage.js';
import { createRetroHunt, longestRetentionDays, type RetroHunt } from './retro-hunt.js';
import { createCampaignService, loadCountryLookup, type CampaignService } from './campaigns.js';
import { loadLatestPolicy } from './policy-service.js';
import { openSpamFilter } from './spam-filter.js';
import { readIndicatorImport, storeIndicatorRows, type ParsedIndicatorFile, type ParseIndicatorOptions } from './intel-import.js';

export interface AdminServices {
  readonly messageLog: MessageLog;
  readonly queue: SqlQueueStore;
  readonly quarantine: Quarantine;
  /** Releases a held message (all or some recipients); a release teaches the spam filter ham (spam.trainOnRelease). */
  release(queueId: string, by: string, recipients?: readonly string[]): Promise<readonly string[]>;
  /** Confirms a held message as junk: deleted, and it teaches the spam filter spam (spam.trainOnConfirm). */
  confirm(queueId: string): Promise<void>;
  readonly spool: Spool;
  readonly policies: PolicyStore;
  /** Database indicators; running gateways notice a change within `intel.refreshSeconds` (they poll its generation). */
  readonly indicators: IndicatorsStore;
  /** Retro-hunts run here, in this process (`moat intel hunt`), and their runs. */
  readonly retroHunt: RetroHunt;
  /** The TAXII feeds' stored state and leases (`moat intel feeds`, `moat intel poll`). */
  readonly intelFeeds: IntelFeedsStore;
  /** Reads and parses an indicator file (`.json` STIX 2.1 streamed or MISP, `.csv`, `.txt`/`.list`), MISP/CSV/lists at most `intel.maxFileBytes`; stores nothing. */
  parseIndicatorFile(file: string, options?: ParseIndicatorOptions): Promise<ParsedIndicatorFile>;
  /** Stores parsed indicator rows in one transaction. */
  storeIndicators(parsed: ParsedIndicatorFile & { ok: true }, by: string): Promise<{ added: number; updated: number }>;
  /**
   * Runs a state-changing command and records it in the audit log as `cli:<by>`, with its
   * outcome (ok, or failed with the error's code): the CLI changes nothing unrecorded.
   */
  recorded<T>(action: string, target: { message?: string; other?: string }, by: string, run: () => Promise<T>): Promise<T>;
  /** Campaigns: recluster, reports, exports and the analyst's changes (no timer here). */
  readonly campaigns: CampaignService;
  close(): Promise<void>;
}

export async function openAdminServices(config: MoatConfig): Promise<AdminServices> {
  const storage = await openStorage(config);
  const messageLog = createMessageLog(storage.db, config.node.id);
  const queue = createQueueStore(storage.db, config.node.id);
  const spool = await Spool.open(join(config.dataDir, 'spool'));
  const quarantine = await openQuarantine(config, {
    db: storage.db,
    spool,
    enqueue: (queueId, recipients, now) => queue.enqueue(queueId, recipients, now),
    setStatus: (queueId, status) => messageLog.setStatus(queueId, status),
  });
  const spam = await openSpamFilter(config, storage.db);
  const audit = createAuditLog(storage.db);
  const indicators = createIndicatorsStore(storage.db);
  // The CLI prints its own summaries; the service's info lines would only repeat them.
  const campaignLogger = createLogger({ level: 'warn', node: config.node.id, destination: process.stderr });
  // Training goes to the organization the message was logged under.
  const decisions = createQuarantineDecisions({
    config,
    quarantine,
    spam,
    organizationOf: async (queueId) => (await messageLog.get(queueId))?.organizationId ?? DEFAULT_ORGANIZATION_ID,
  });
  return {
    messageLog,
    queue,
    quarantine,
    spool,
    // With the feed, an import here (`moat policy import`) is announced to every running node at commit.
    policies: createPolicyStore(storage.db, storage.changes),
    indicators,
    retroHunt: createRetroHunt({ db: storage.db, indicators, logger: campaignLogger.child({ component: 'retro-hunt' }, { level: 'error' }), retentionDays: longestRetentionDays(config) }),
    intelFeeds: createIntelFeedsStore(storage.db),
    parseIndicatorFile: (file, options = {}) => readIndicatorImport(file, { ...options, maxBytes: config.intel.maxFileBytes }),
    storeIndicators: (parsed, by) => storeIndicatorRows(indicators, parsed.rows, { by: `cli:${by}`, at: new Date() }),
    release: decisions.release,
    confirm: decisions.confirm,
    campaigns: createCampaignService({ db: storage.db, logger: campaignLogger, geo: loadCountryLookup(config), config }),
    async recorded(action, target, by, run) {
      // The organization is read before the action: a delete may take the row's state with it.
      const organizationId = target.message === undefined ? null : ((await messageLog.get(target.message))?.organizationId ?? null);
      const named = target.message === undefined ? target.other : `message:${target.message}`;
      const entry = { actor: `cli:${by}`, actorKind: 'cli' as const, action, organizationId, ...(named === undefined ? {} : { target: named }) };
      try {
        const result = await run();
        await audit.append({ ...entry, at: new Date(), outcome: 'ok' });
        return result;
      } catch (error) {
        const code = error instanceof MoatError ? error.code : 'ERROR';
        await audit.append({ ...entry, at: new Date(), outcome: 'failed', detail: { code } }).catch(() => undefined);
        throw error;
      }
    },
    close: () => storage.close(),
  };
}

/** The policy a running gateway would apply: the newest stored revision, or (`stored: false`) the config's alone. */
export async function loadStoredPolicy(config: MoatConfig, options: { stored: boolean }): Promise<PolicyResolver> {
  if (!options.stored) return createPolicyResolver({ base: config.policy, domains: config.domains, document: EMPTY_POLICY_DOCUMENT, revision: 0 });
  const storage = await openStorage(config);
  try {
    return await loadLatestPolicy(config, createPolicyStore(storage.db));
  } finally {
    await storage.close();
  }
}
