/**
 * The spool owns accepted mail on local disk. A message is durable when its
 * body (`<id>.eml`) and its meta (`<id>.json`) are fsynced in `messages/`;
 * the meta file is the commit point and only then does SMTP answer `250`.
 * Bodies being received live in `incoming/` and are never acknowledged.
 * `<id>.settled` records recipients delivered (or bounced) while the
 * database could not say so, so that they are not sent twice.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, renameSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createQueueId, isQueueId, MoatError } from '../core/index.js';
import type { SettledRecipient, SpoolMeta, SpoolReader } from '../delivery/ports.js';
import { createBodyScanner, type BodyScanResult } from './body-scan.js';
import { createDirectorySyncer, fsyncDescriptor, fsyncDirectory, openDescriptor, unlinkIfExists, writeAllSync, writeFileDurable, type DirectorySyncer } from './durable-fs.js';

/** A body written to `incoming/`, analysed but not yet acknowledged. */
export interface IncomingMessage {
  readonly queueId: string;
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly scan: BodyScanResult;
  /** More bytes arrived than `maxBytes`; the surplus was drained, not stored. */
  readonly oversized: boolean;
}

export interface ReceiveOptions {
  readonly maxBytes: number;
  readonly queueId?: string;
}

export interface RecoveryReport {
  readonly committed: readonly SpoolMeta[];
  /** Entries moved to `corrupt/` because their meta could not be read. */
  readonly corrupt: readonly string[];
  /** Unacknowledged bodies left in `incoming/` by a crash, removed. */
  readonly abandoned: number;
}

// A few seconds of traffic at full speed; meta is ~1-2 KiB, so this stays under ~20 MiB.
const RECENT_META_ENTRIES = 10_000;

const STORAGE_FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

export class Spool implements SpoolReader {
  readonly root: string;
  private readonly incomingDir: string;
  private readonly messagesDir: string;
  private readonly corruptDir: string;
  /**
   * Meta of recently committed messages, so delivery (usually milliseconds
   * later) need not read back what was just written. Bounded; a miss reads the file.
   */
  private readonly recentMeta = new Map<string, SpoolMeta>();
  /** Concurrent commits share one fsync of `messages/` (group commit). */
  private readonly messagesSync: DirectorySyncer;
  /** Every `<id>.settled` on disk, loaded at recovery: the common attempt reads nothing. */
  private readonly settledByQueueId = new Map<string, readonly SettledRecipient[]>();

  private constructor(root: string) {
    this.root = root;
    this.incomingDir = join(root, 'incoming');
    this.messagesDir = join(root, 'messages');
    this.corruptDir = join(root, 'corrupt');
    this.messagesSync = createDirectorySyncer(this.messagesDir);
  }

  /** Opens (creating) the spool folders under `root`. */
  static async open(root: string): Promise<Spool> {
    const spool = new Spool(root);
    for (const dir of [spool.incomingDir, spool.messagesDir, spool.corruptDir]) {
      await mkdir(dir, { recursive: true, mode: 0o750 });
    }
    return spool;
  }

  /**
   * Streams a message body into `incoming/`, hashing and scanning it on the
   * way. The source is always read to its end (SMTP needs the terminator
   * before it can reply), even after a write error or the size limit.
   */
  async receive(source: AsyncIterable<Uint8Array>, options: ReceiveOptions): Promise<IncomingMessage> {
    const queueId = options.queueId ?? createQueueId();
    const path = join(this.incomingDir, `${queueId}.eml`);
    const hash = createHash('sha256');
    const scanner = createBodyScanner();
    let size = 0;
    let oversized = false;
    let writeError: unknown;
    let fd: number | undefined;
    try {
      const descriptor = await openDescriptor(path, 'wx', 0o640);
      fd = descriptor;
      for await (const chunk of source) {
        if (writeError !== undefined || oversized) continue; // drain
        if (size + chunk.length > options.maxBytes) {
          oversized = true;
          continue;
        }
        size += chunk.length;
        hash.update(chunk);
        scanner.update(chunk);
        try {
          writeAllSync(descriptor, chunk);
        } catch (error) {
          writeError = error;
        }
      }
      if (writeError === undefined && !oversized) await fsyncDescriptor(descriptor);
    } catch (error) {
      writeError ??= error;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (writeError !== undefined || oversized) {
      unlinkIfExists(path);
      if (writeError !== undefined) throw spoolWriteError(writeError);
    }
    return { queueId, path, size, sha256: hash.digest('hex'), scan: scanner.result(), oversized };
  }

  /** Makes an analysed message durable. Returns once `250` may be sent. */
  async commit(incoming: IncomingMessage, meta: SpoolMeta): Promise<void> {
    try {
      renameSync(incoming.path, this.bodyPath(meta.queueId));
      await writeFileDurable(this.metaPath(meta.queueId), JSON.stringify(meta), 0o640, this.messagesSync);
      this.remember(meta);
    } catch (error) {
      // Not committed, so never acknowledged: leave no body behind (a full
      // disk would otherwise hold it until the next start). The write error
      // is the one to report; whatever a failed clean-up leaves, recover()
      // drops at the next start, as it does after a crash at this point.
      await this.remove(meta.queueId).catch(() => undefined);
      await rm(incoming.path, { force: true }).catch(() => undefined);
      throw spoolWriteError(error);
    }
  }

  /** Stores a locally generated message (DSN, release) directly as committed. */
  async store(meta: SpoolMeta, raw: Uint8Array): Promise<void> {
    try {
      await writeFileDurable(this.bodyPath(meta.queueId), raw, 0o640, this.messagesSync);
      await writeFileDurable(this.metaPath(meta.queueId), JSON.stringify(meta), 0o640, this.messagesSync);
      this.remember(meta);
    } catch (error) {
      throw spoolWriteError(error);
    }
  }

  /** Drops a received body that will not be acknowledged (rejected or deferred). */
  async discard(incoming: IncomingMessage): Promise<void> {
    unlinkIfExists(incoming.path);
  }

  async readMeta(queueId: string): Promise<SpoolMeta | undefined> {
    if (!isQueueId(queueId)) return undefined;
    const cached = this.recentMeta.get(queueId);
    if (cached !== undefined) return cached;
    try {
      return parseMeta(await readFile(this.metaPath(queueId), 'utf8'), queueId);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  openBody(queueId: string): Readable {
    if (!isQueueId(queueId)) throw new MoatError('SPOOL_BAD_ID', `not a queue id: ${JSON.stringify(queueId)}`);
    return createReadStream(this.bodyPath(queueId));
  }

  bodyPath(queueId: string): string {
    return join(this.messagesDir, `${queueId}.eml`);
  }

  settled(queueId: string): readonly SettledRecipient[] {
    return this.settledByQueueId.get(queueId) ?? [];
  }

  async recordSettled(queueId: string, settled: readonly SettledRecipient[]): Promise<void> {
    if (!isQueueId(queueId)) throw new MoatError('SPOOL_BAD_ID', `not a queue id: ${JSON.stringify(queueId)}`);
    const merged = new Map(this.settled(queueId).map((s) => [s.recipient, s]));
    for (const entry of settled) merged.set(entry.recipient, entry);
    const all = [...merged.values()];
    await writeFileDurable(this.settledPath(queueId), JSON.stringify(all));
    this.settledByQueueId.set(queueId, all);
  }

  async remove(queueId: string): Promise<void> {
    if (!isQueueId(queueId)) return;
    this.recentMeta.delete(queueId);
    this.settledByQueueId.delete(queueId);
    // Meta first: without it the entry is no longer committed, so a crash
    // in between leaves an orphan body, never a meta without a body.
    unlinkIfExists(this.metaPath(queueId));
    unlinkIfExists(this.bodyPath(queueId));
    unlinkIfExists(this.settledPath(queueId));
    // Durable too: a removal lost in a power cut would bring back a message that was
    // refused, deleted by an operator or already delivered.
    await this.messagesSync.sync();
  }

  /**
   * After a restart: clears never-acknowledged bodies from `incoming/`,
   * moves unreadable entries aside to `corrupt/` and returns every
   * committed message so the caller can make sure each one is queued.
   */
  async recover(): Promise<RecoveryReport> {
    let abandoned = 0;
    for (const name of await readdir(this.incomingDir)) {
      await rm(join(this.incomingDir, name), { force: true });
      abandoned++;
    }
    const committed: SpoolMeta[] = [];
    const corrupt: string[] = [];
    const names = new Set(await readdir(this.messagesDir));
    for (const name of names) {
      if (name.endsWith('.tmp')) {
        await rm(join(this.messagesDir, name), { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const queueId = name.slice(0, -'.json'.length);
      try {
        if (!names.has(`${queueId}.eml`)) throw new Error('body file missing');
        committed.push(parseMeta(await readFile(join(this.messagesDir, name), 'utf8'), queueId));
      } catch {
        await this.moveAside(name);
        if (names.has(`${queueId}.eml`)) await this.moveAside(`${queueId}.eml`);
        corrupt.push(queueId);
      }
    }
    // Bodies whose meta never landed were not acknowledged: drop them.
    for (const name of names) {
      if (name.endsWith('.eml') && !names.has(`${name.slice(0, -'.eml'.length)}.json`)) {
        await rm(join(this.messagesDir, name), { force: true });
        abandoned++;
      }
    }
    const committedIds = new Set(committed.map((m) => m.queueId));
    for (const name of names) {
      if (!name.endsWith('.settled')) continue;
      const queueId = name.slice(0, -'.settled'.length);
      if (!committedIds.has(queueId)) {
        await rm(join(this.messagesDir, name), { force: true });
        continue;
      }
      // Trust boundary: our own file. Unreadable, it is dropped: the worst case is sending twice, never losing mail.
      const entries = await readFile(join(this.messagesDir, name), 'utf8')
        .then((text) => JSON.parse(text) as SettledRecipient[])
        .catch((): SettledRecipient[] => []);
      if (Array.isArray(entries) && entries.length > 0) this.settledByQueueId.set(queueId, entries);
    }
    await fsyncDirectory(this.messagesDir);
    committed.sort((a, b) => a.queueId.localeCompare(b.queueId));
    return { committed, corrupt, abandoned };
  }

  private remember(meta: SpoolMeta): void {
    if (this.recentMeta.size >= RECENT_META_ENTRIES) {
      const oldest = this.recentMeta.keys().next().value;
      if (oldest !== undefined) this.recentMeta.delete(oldest);
    }
    this.recentMeta.set(meta.queueId, meta);
  }

  private async moveAside(name: string): Promise<void> {
    await rename(join(this.messagesDir, name), join(this.corruptDir, name));
  }

  private metaPath(queueId: string): string {
    return join(this.messagesDir, `${queueId}.json`);
  }

  private settledPath(queueId: string): string {
    return join(this.messagesDir, `${queueId}.settled`);
  }
}

function parseMeta(text: string, queueId: string): SpoolMeta {
  // Trust boundary: our own file, but it may be truncated or edited by hand.
  const value = JSON.parse(text) as SpoolMeta;
  if (value.queueId !== queueId || typeof value.envelope !== 'object' || !Array.isArray(value.envelope.rcptTo)) {
    throw new MoatError('SPOOL_META_INVALID', `spool meta for ${queueId} is malformed`);
  }
  return value;
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function spoolWriteError(error: unknown): MoatError {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  if (code !== undefined && STORAGE_FULL_CODES.has(code)) {
    return new MoatError('SPOOL_FULL', 'spool disk is full', { cause: error });
  }
  return new MoatError('SPOOL_WRITE_FAILED', 'could not write to the spool', { cause: error });
}
