/**
 * Builds the quarantine over the configured storage. Where bodies live
 * follows the database: with PostgreSQL (several nodes) in the database, so
 * that any node shows and releases what another held; with SQLite (one
 * node) as files under `<dataDir>/quarantine`.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createPreviewPool, writeProtectedZip, type PreviewPool } from '../analysis/index.js';
import type { Kysely } from 'kysely';
import type { MoatConfig } from '../config/index.js';
import type { SpoolMeta } from '../delivery/ports.js';
import { createDatabaseContentStore, createFileContentStore, createQuarantine, type Quarantine, type QuarantineContentStore } from '../quarantine/index.js';
import type { Spool } from '../spool/index.js';
import type { PreviewPort } from '../web/index.js';
import { createQuarantineContent, createQuarantineIndex, type Database, type QuarantineIndex } from '../storage/index.js';

export interface QuarantineWiring {
  readonly db: Kysely<Database>;
  readonly spool: Spool;
  enqueue(queueId: string, recipients: readonly string[], now: Date): Promise<void>;
  setStatus(queueId: string, status: 'released' | 'deleted'): Promise<void>;
  organizationOf?: (meta: SpoolMeta) => number;
}

async function openContent(config: MoatConfig, db: Kysely<Database>, index: QuarantineIndex): Promise<QuarantineContentStore> {
  if (config.storage.backend === 'postgres') return createDatabaseContentStore(createQuarantineContent(db));
  return createFileContentStore({ dir: join(config.dataDir, 'quarantine'), countReferences: (sha256) => index.countBySha256(sha256) });
}

export async function openQuarantine(config: MoatConfig, wiring: QuarantineWiring): Promise<Quarantine> {
  const index = createQuarantineIndex(wiring.db);
  return createQuarantine({
    content: await openContent(config, wiring.db, index),
    index,
    spool: wiring.spool,
    enqueue: wiring.enqueue,
    setStatus: wiring.setStatus,
    ...(wiring.organizationOf === undefined ? {} : { organizationOf: wiring.organizationOf }),
  });
}

/** Release and confirm as an operator means them: the quarantine acts, and the spam filter learns from it. */
export interface QuarantineDecisions {
  /** Releases a held message (all or some recipients); teaches the spam filter ham (spam.trainOnRelease). */
  release(queueId: string, by: string, recipients?: readonly string[]): Promise<readonly string[]>;
  /** Confirms a held message as junk: deleted, and teaches the spam filter spam (spam.trainOnConfirm). */
  confirm(queueId: string): Promise<void>;
}

export function createQuarantineDecisions(options: {
  config: MoatConfig;
  quarantine: Quarantine;
  /** The organization a message was logged under: its spam filter learns. */
  organizationOf(queueId: string): Promise<number>;
  spam: { train(organizationId: number, tokens: readonly string[], label: 'ham' | 'spam'): Promise<void> } | undefined;
}): QuarantineDecisions {
  const { config, quarantine, spam } = options;
  const tokensOf = async (queueId: string): Promise<readonly string[]> => (await quarantine.show(queueId))?.meta.spamTokens ?? [];
  return {
    async release(queueId, by, recipients) {
      const tokens = await tokensOf(queueId);
      const organizationId = await options.organizationOf(queueId);
      const released = await quarantine.release(queueId, by, recipients);
      if (config.spam.trainOnRelease) await spam?.train(organizationId, tokens, 'ham');
      return released;
    },
    async confirm(queueId) {
      const tokens = await tokensOf(queueId);
      const organizationId = await options.organizationOf(queueId);
      await quarantine.delete(queueId);
      if (config.spam.trainOnConfirm) await spam?.train(organizationId, tokens, 'spam');
    },
  };
}

/** The password of quarantine downloads: the malware-sample convention every analyst knows. */
export const DOWNLOAD_PASSWORD = 'infected';

/**
 * A held message as a file to take away: sealed in a ZIP with
 * {@link DOWNLOAD_PASSWORD}, or defanged as plain text (`.eml.txt`, so no
 * mail client opens it). Never the raw message.
 */
export async function quarantineDownload(quarantine: Quarantine, queueId: string, format: 'zip' | 'defanged'): Promise<{ fileName: string; contentType: string; body: Buffer } | undefined> {
  const shown = await quarantine.show(queueId);
  if (shown === undefined) return undefined;
  const parts: Buffer[] = [];
  for await (const chunk of await quarantine.openBody(queueId)) parts.push(Buffer.from(chunk as Uint8Array));
  const raw = Buffer.concat(parts);
  if (format === 'defanged') return { fileName: `${queueId}.eml.txt`, contentType: 'text/plain; charset=utf-8', body: raw };
  const body = writeProtectedZip({ name: `${queueId}.eml`, content: raw, modified: new Date(shown.entry.quarantinedAt) }, DOWNLOAD_PASSWORD, (n) => randomBytes(n));
  return { fileName: `${queueId}.zip`, contentType: 'application/zip', body };
}

/** The safe preview of held mail: one bounded worker thread, started on the first preview, idle-stopped. */
export function openQuarantinePreview(config: MoatConfig, quarantine: Quarantine, onWorkerError: (error: unknown) => void): PreviewPort & { close(): Promise<void> } {
  const pool: PreviewPool = createPreviewPool({
    timeBudgetMs: config.analysis.timeBudgetMs,
    workerHeapMb: config.analysis.workerHeapMb,
    limits: { maxMessageBytes: config.smtp.limits.maxMessageBytes, maxMimeParts: config.analysis.maxMimeParts, maxMimeDepth: config.analysis.maxMimeDepth },
    onWorkerError,
  });
  return {
    owner: async (queueId) => (await quarantine.show(queueId))?.entry.organizationId,
    async preview(queueId, options) {
      if ((await quarantine.show(queueId)) === undefined) return undefined;
      return pool.preview(await quarantine.openBody(queueId), options);
    },
    close: () => pool.close(),
  };
}
