/**
 * Builds the quarantine over the configured storage. Where bodies live
 * follows the database: with PostgreSQL (several nodes) in the database, so
 * that any node shows and releases what another held; with SQLite (one
 * node) as files under `<dataDir>/quarantine`.
 */
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { MoatConfig } from '../config/index.js';
import type { SpoolMeta } from '../delivery/ports.js';
import { createDatabaseContentStore, createFileContentStore, createQuarantine, type Quarantine, type QuarantineContentStore } from '../quarantine/index.js';
import type { Spool } from '../spool/index.js';
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
