/**
 * The quarantine holds messages policy did not deliver. Bodies are stored
 * content-addressed (one copy however many times the same message arrives)
 * with each held message's spool meta, so release can queue it exactly as
 * received; where they live is the content store's business (files on this
 * node, or the shared database so that any node can show and release).
 */
import type { Readable } from 'node:stream';
import { createQueueId, MoatError } from '../core/index.js';
import type { SpoolMeta } from '../delivery/ports.js';
import type { IncomingMessage, Spool } from '../spool/index.js';
import type { QuarantineContentStore } from './content-store.js';

export interface QuarantineEntry {
  readonly queueId: string;
  /** The organization of the message's recipients (its retention and its views). */
  readonly organizationId: number;
  readonly sha256: string;
  readonly size: number;
  readonly reason: string;
  readonly quarantinedAt: string;
  readonly state: 'held' | 'released' | 'deleted';
}

/** The index rows; storage implements it. */
export interface QuarantineIndexPort {
  add(entry: { queueId: string; sha256: string; size: number; reason: string; at: Date; organizationId?: number }): Promise<void>;
  list(options?: { state?: 'held' | 'released' | 'deleted'; organizationId?: number; limit?: number }): Promise<readonly QuarantineEntry[]>;
  get(queueId: string): Promise<QuarantineEntry | undefined>;
  markReleased(queueId: string, by: string, at: Date): Promise<unknown>;
  markDeleted(queueId: string, at: Date): Promise<unknown>;
  countBySha256(sha256: string): Promise<number>;
}

export interface QuarantineOptions {
  readonly content: QuarantineContentStore;
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
  list(options?: { state?: 'held' | 'released' | 'deleted'; organizationId?: number; limit?: number }): Promise<readonly QuarantineEntry[]>;
  show(queueId: string): Promise<{ entry: QuarantineEntry; meta: SpoolMeta } | undefined>;
  openBody(queueId: string): Promise<Readable>;
  /** Queues the held message for delivery to all, or the given subset of, its recipients. */
  release(queueId: string, by: string, recipients?: readonly string[]): Promise<readonly string[]>;
  delete(queueId: string): Promise<void>;
}

export async function createQuarantine(options: QuarantineOptions): Promise<Quarantine> {
  const { content } = options;
  const now = options.now ?? (() => new Date());

  async function readMeta(queueId: string): Promise<SpoolMeta> {
    const meta = await content.readMeta(queueId);
    if (meta === undefined) throw new MoatError('QUARANTINE_META_MISSING', `quarantined message ${queueId} has no stored envelope (${content.kind})`);
    return meta;
  }

  async function heldEntry(queueId: string): Promise<QuarantineEntry> {
    const entry = await options.index.get(queueId);
    if (entry === undefined) throw new MoatError('QUARANTINE_NOT_FOUND', `no quarantined message ${queueId}`);
    if (entry.state !== 'held') throw new MoatError('QUARANTINE_NOT_HELD', `message ${queueId} is already ${entry.state}`);
    return entry;
  }

  async function store(incoming: IncomingMessage, meta: SpoolMeta, how: 'move' | 'copy'): Promise<void> {
    // Index row first: a concurrent delete of the last other holder of this body
    // counts it and keeps the body, so this message can never end up without one.
    await options.index.add({
      queueId: meta.queueId,
      sha256: incoming.sha256,
      size: incoming.size,
      reason: meta.verdict.reasons.slice(0, 5).join('; '),
      at: now(),
      ...(options.organizationOf === undefined ? {} : { organizationId: options.organizationOf(meta) }),
    });
    try {
      await content.putBody({ sha256: incoming.sha256, size: incoming.size, path: incoming.path, how });
      await content.putMeta(meta);
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
      return content.openBody(entry.sha256);
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
      const raw = await content.readBody(entry.sha256);
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
      await content.removeMeta(queueId);
      await content.removeBodyIfUnreferenced(entry.sha256);
    },
  };
}
