/**
 * The quarantine holds messages policy did not deliver. Bodies are stored
 * content-addressed (`bodies/ab/<sha256>.eml`, one file however many times
 * the same message arrives); each held message also keeps its spool meta
 * (`meta/<queueId>.json`) so release can queue it exactly as received.
 */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createQueueId, isQueueId, MoatError } from '../core/index.js';
import type { SpoolMeta } from '../delivery/ports.js';
import { fsyncDirectory, writeFileDurable, type IncomingMessage, type Spool } from '../spool/index.js';

export interface QuarantineEntry {
  readonly queueId: string;
  readonly sha256: string;
  readonly size: number;
  readonly reason: string;
  readonly quarantinedAt: string;
  readonly state: 'held' | 'released' | 'deleted';
}

/** The index rows; storage implements it. */
export interface QuarantineIndexPort {
  add(entry: { queueId: string; sha256: string; size: number; reason: string; at: Date; organizationId?: number }): Promise<void>;
  list(options?: { state?: 'held' | 'released' | 'deleted'; limit?: number }): Promise<readonly QuarantineEntry[]>;
  get(queueId: string): Promise<QuarantineEntry | undefined>;
  markReleased(queueId: string, by: string, at: Date): Promise<unknown>;
  markDeleted(queueId: string, at: Date): Promise<unknown>;
  countBySha256(sha256: string): Promise<number>;
}

export interface QuarantineOptions {
  readonly dir: string;
  readonly index: QuarantineIndexPort;
  readonly spool: Spool;
  enqueue(queueId: string, recipients: readonly string[], now: Date): Promise<void>;
  setStatus(queueId: string, status: 'released' | 'deleted'): Promise<void>;
  /** The organization a held message belongs to (its retention and its views); absent: the default one. */
  organizationOf?: (meta: SpoolMeta) => number;
  now?: () => Date;
}

export interface Quarantine {
  /** Moves an analysed, not yet acknowledged body into the quarantine; durable on return. */
  hold(incoming: IncomingMessage, meta: SpoolMeta): Promise<void>;
  /**
   * Keeps a copy of the original of a message delivered with attachments
   * stripped; `incoming` stays where it is for the spool. Release sends the
   * original under a new queue id (the stripped copy keeps the first one).
   */
  keepOriginal(incoming: IncomingMessage, meta: SpoolMeta): Promise<void>;
  list(options?: { state?: 'held' | 'released' | 'deleted'; limit?: number }): Promise<readonly QuarantineEntry[]>;
  show(queueId: string): Promise<{ entry: QuarantineEntry; meta: SpoolMeta } | undefined>;
  openBody(queueId: string): Promise<Readable>;
  /** Queues the held message for delivery to all, or the given subset of, its recipients. */
  release(queueId: string, by: string, recipients?: readonly string[]): Promise<readonly string[]>;
  delete(queueId: string): Promise<void>;
}

/** Copies a body into the store: to a temp name, fsynced, then renamed into place. */
async function copyDurably(from: string, to: string): Promise<void> {
  const temp = `${to}.${process.pid}.tmp`;
  await copyFile(from, temp);
  const handle = await open(temp, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, to);
}

export async function createQuarantine(options: QuarantineOptions): Promise<Quarantine> {
  const bodiesDir = join(options.dir, 'bodies');
  const metaDir = join(options.dir, 'meta');
  await mkdir(bodiesDir, { recursive: true, mode: 0o750 });
  await mkdir(metaDir, { recursive: true, mode: 0o750 });
  const now = options.now ?? (() => new Date());

  const bodyPath = (sha256: string): string => join(bodiesDir, sha256.slice(0, 2), `${sha256}.eml`);
  const metaPath = (queueId: string): string => {
    if (!isQueueId(queueId)) throw new MoatError('QUARANTINE_BAD_ID', `not a queue id: ${JSON.stringify(queueId)}`);
    return join(metaDir, `${queueId}.json`);
  };

  async function readMeta(queueId: string): Promise<SpoolMeta> {
    // Trust boundary: our own file; a hand-edited or truncated one fails loudly here.
    return JSON.parse(await readFile(metaPath(queueId), 'utf8')) as SpoolMeta;
  }

  async function heldEntry(queueId: string): Promise<QuarantineEntry> {
    const entry = await options.index.get(queueId);
    if (entry === undefined) throw new MoatError('QUARANTINE_NOT_FOUND', `no quarantined message ${queueId}`);
    if (entry.state !== 'held') throw new MoatError('QUARANTINE_NOT_HELD', `message ${queueId} is already ${entry.state}`);
    return entry;
  }

  async function store(incoming: IncomingMessage, meta: SpoolMeta, how: 'move' | 'copy'): Promise<void> {
    const target = bodyPath(incoming.sha256);
    await mkdir(join(bodiesDir, incoming.sha256.slice(0, 2)), { recursive: true, mode: 0o750 });
    // Index row first: a concurrent delete of the last other holder of this body
    // counts it and keeps the file, so this message can never end up without a body.
    await options.index.add({
      queueId: meta.queueId,
      sha256: incoming.sha256,
      size: incoming.size,
      reason: meta.verdict.reasons.slice(0, 5).join('; '),
      at: now(),
    });
    try {
      // A rename over an identical body (same hash) is harmless.
      if (how === 'move') await rename(incoming.path, target);
      else await copyDurably(incoming.path, target);
      await fsyncDirectory(join(bodiesDir, incoming.sha256.slice(0, 2)));
      await fsyncDirectory(bodiesDir);
      await writeFileDurable(metaPath(meta.queueId), JSON.stringify(meta));
    } catch (error) {
      // Not acknowledged: undo the index row so the entry is not listed as held.
      await options.index.markDeleted(meta.queueId, now()).catch(() => undefined);
      throw error;
    }
  }

  return {
    hold: (incoming, meta) => store(incoming, meta, 'move'),
    keepOriginal: (incoming, meta) => store(incoming, meta, 'copy'),

    list: (listOptions) => options.index.list(listOptions),

    async show(queueId) {
      const entry = await options.index.get(queueId);
      // A deleted entry keeps its index row (and its message log record) but not its files.
      if (entry === undefined || entry.state === 'deleted') return undefined;
      return { entry, meta: await readMeta(queueId) };
    },

    async openBody(queueId) {
      const entry = await options.index.get(queueId);
      if (entry === undefined) throw new MoatError('QUARANTINE_NOT_FOUND', `no quarantined message ${queueId}`);
      return createReadStream(bodyPath(entry.sha256));
    },

    async release(queueId, by, recipients) {
      const entry = await heldEntry(queueId);
      const meta = await readMeta(queueId);
      const all = meta.envelope.rcptTo;
      const chosen = recipients === undefined || recipients.length === 0 ? all : recipients;
      const unknown = chosen.filter((r) => !all.includes(r));
      if (unknown.length > 0) {
        throw new MoatError('QUARANTINE_BAD_RECIPIENT', `not a recipient of ${queueId}: ${unknown.join(', ')}`);
      }
      const raw = await readFile(bodyPath(entry.sha256));
      // The original of a stripped message: its stripped copy was delivered under this
      // queue id, so the original goes out as a new message, and the log keeps the first outcome.
      const stripped = meta.verdict.strip !== undefined;
      const releaseId = stripped ? createQueueId() : queueId;
      const { strip: _strip, stripNotice: _notice, ...verdict } = meta.verdict;
      // The released copy goes through the normal spool and queue, untagged and whole:
      // an operator decided it is fine.
      // Only the chosen recipients are in the released copy's envelope: after a restart, spool
      // recovery re-queues exactly what the envelope names.
      await options.spool.store({ ...meta, queueId: releaseId, envelope: { ...meta.envelope, rcptTo: [...chosen] }, verdict: { ...verdict, action: 'deliver' } }, raw);
      await options.enqueue(releaseId, chosen, now());
      await options.index.markReleased(queueId, by, now());
      if (!stripped) await options.setStatus(queueId, 'released');
      return chosen;
    },

    async delete(queueId) {
      const entry = await heldEntry(queueId);
      await options.index.markDeleted(queueId, now());
      await options.setStatus(queueId, 'deleted');
      await rm(metaPath(queueId), { force: true });
      if ((await options.index.countBySha256(entry.sha256)) === 0) {
        await rm(bodyPath(entry.sha256), { force: true });
      }
    },
  };
}
