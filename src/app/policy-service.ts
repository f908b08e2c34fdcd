/**
 * Keeps the policy in force current on this node: imports the operator's
 * policy file (when configured) into the database, builds the resolver from
 * the newest revision, and applies newer revisions without a restart: at
 * once when the storage's change feed announces one (PostgreSQL NOTIFY from
 * any node or `moat policy import`), and by polling every
 * `policy.refreshSeconds` as the safety net (the only way on SQLite). A
 * revision that no longer validates (say a domain was removed from the
 * config) is refused and the running policy stays in force.
 */
import type { Logger } from 'pino';
import { ConfigError } from '../core/index.js';
import type { MoatConfig } from '../config/index.js';
import { readConfigFile } from '../config/index.js';
import { checkPolicyDocument, checkResolvedThresholds, createPolicyResolver, EMPTY_POLICY_DOCUMENT, type PolicyDocument, type PolicyResolver } from '../policy/index.js';
import type { ChangeFeed, PolicyStore } from '../storage/index.js';

export interface PolicyService {
  /** The resolver of the revision in force. */
  current(): PolicyResolver;
  /** Re-imports the policy file (if configured) and loads the newest revision. Throws, keeping the old policy, when either is invalid. */
  reload(): Promise<{ revision: number; changed: boolean }>;
  /** Stops polling and listening; waits for a refresh in flight, so nothing touches the store afterwards. */
  stop(): Promise<void>;
}

export interface PolicyServiceOptions {
  readonly config: MoatConfig;
  readonly store: PolicyStore;
  readonly logger: Logger;
  /** Announcements of new revisions (the store's feed); absent: polling alone. */
  readonly changes?: ChangeFeed;
  readonly now?: () => Date;
}

/** Validates a parsed document against the config: schema, served domains, resolved thresholds. */
export function validatePolicyDocument(config: MoatConfig, input: unknown, source: string): { document: PolicyDocument; warnings: readonly string[] } {
  const checked = checkPolicyDocument(input, config.domains);
  if (!checked.ok) throw new ConfigError(checked.issues, source);
  const resolver = createPolicyResolver({ base: config.policy, domains: config.domains, document: checked.document, revision: 0 });
  const issues = checkResolvedThresholds(resolver, checked.document, config.domains);
  if (issues.length > 0) throw new ConfigError(issues, source);
  return { document: checked.document, warnings: checked.warnings };
}

/** Reads, validates and stores a policy file as a new revision (none when unchanged). */
export async function importPolicyFile(config: MoatConfig, store: PolicyStore, file: string, options: { source?: string; comment?: string; now?: Date } = {}) {
  const { document, warnings } = validatePolicyDocument(config, await readConfigFile(file), file);
  const stored = await store.add({
    document,
    source: options.source ?? file,
    ...(options.comment === undefined ? {} : { comment: options.comment }),
    at: options.now ?? new Date(),
  });
  return { ...stored, warnings };
}

/** Builds the resolver of the newest stored revision (revision 0: the config's policy alone). */
export async function loadLatestPolicy(config: MoatConfig, store: PolicyStore): Promise<PolicyResolver> {
  const latest = await store.latest();
  if (latest === undefined) return createPolicyResolver({ base: config.policy, domains: config.domains, document: EMPTY_POLICY_DOCUMENT, revision: 0 });
  const { document } = validatePolicyDocument(config, latest.document, `policy revision ${latest.revision}`);
  return createPolicyResolver({ base: config.policy, domains: config.domains, document, revision: latest.revision });
}

/** Imports the policy file, loads the policy in force and starts polling and listening. Throws (refusing to start) on an invalid policy. */
export async function startPolicyService(options: PolicyServiceOptions): Promise<PolicyService> {
  const { config, store, logger } = options;
  const now = options.now ?? (() => new Date());

  const importFile = async (): Promise<void> => {
    if (config.policy.file === undefined) return;
    const result = await importPolicyFile(config, store, config.policy.file, { now: now() });
    for (const warning of result.warnings) logger.warn({ file: config.policy.file, warning }, 'policy file warning');
    if (result.created) logger.info({ file: config.policy.file, revision: result.revision }, 'policy file imported');
  };

  await importFile();
  let resolver = await loadLatestPolicy(config, store);
  logger.info({ revision: resolver.revision }, 'policy in force');

  let refreshing: Promise<void> | undefined;
  // A trigger while a refresh runs: that refresh may have read the revision before the change committed.
  let again = false;
  let stopped = false;
  // The revision that last failed validation: logged once, not every poll.
  let refused = -1;
  const refresh = async (): Promise<boolean> => {
    const latest = await store.latestRevision();
    if (latest === resolver.revision || latest === refused) return false;
    try {
      const next = await loadLatestPolicy(config, store);
      logger.info({ from: resolver.revision, to: next.revision }, 'policy revision applied');
      resolver = next;
      return true;
    } catch (error) {
      refused = latest;
      logger.error({ err: error, revision: latest, inForce: resolver.revision }, 'policy revision refused; the previous policy stays in force');
      throw error;
    }
  };

  // Single-flight: the timer, notifications and resyncs all come through here.
  const trigger = (): void => {
    if (stopped) return;
    if (refreshing !== undefined) {
      again = true;
      return;
    }
    refreshing = refresh()
      .then(
        () => undefined,
        (error: unknown) => {
          if (!(error instanceof ConfigError)) logger.warn({ err: error }, 'policy refresh failed');
        },
      )
      .finally(() => {
        refreshing = undefined;
        if (again) {
          again = false;
          trigger();
        }
      });
  };

  const timer = setInterval(trigger, config.policy.refreshSeconds * 1000);
  timer.unref();
  const unsubscribe = await options.changes?.subscribe('policy', (event) => {
    if (event.kind === 'resync') logger.info({ inForce: resolver.revision }, 'policy change feed resumed; re-checking the revision');
    else logger.debug({ revision: event.payload, inForce: resolver.revision }, 'policy revision announced');
    trigger();
  });
  // A revision stored between the load above and the LISTEN was announced to no one here.
  if (unsubscribe !== undefined) trigger();

  return {
    current: () => resolver,
    async reload() {
      await importFile();
      refused = -1;
      const before = resolver.revision;
      await refresh();
      return { revision: resolver.revision, changed: resolver.revision !== before };
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await unsubscribe?.();
      await refreshing;
    },
  };
}
