/**
 * One delivery attempt for one group: the due rows of one message that share
 * a route. Reads the spool entry, delivers, then records each recipient's
 * outcome: delivered, deferred with back-off, or failed with a bounce.
 */
import { PassThrough, pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { DeliveryConfig, NextHopConfig } from '../config/schema.js';
import { MoatError } from '../core/index.js';
import { classifyReply, parseReplyCodes } from './classify.js';
import { buildDsn } from './dsn.js';
import type { DsnRecipient } from './dsn.js';
import { readHeaderBlock } from './header-block.js';
import { deliverToMaildir } from './maildir.js';
import { createMessageTransform } from './message-transform.js';
import { createStripPartsTransform } from './strip-parts.js';
import type { AttemptOutcome, DeliveryLog, MessageInjector, QueueItem, QueueStore, SettledRecipient, SpoolMeta, SpoolReader } from './ports.js';
import { deliverToNextHop } from './relay.js';
import { retryDelay } from './retry.js';
import type { Route } from './route.js';
import type { SessionPool } from './session-pool.js';

export interface DeliveryGroup {
  readonly queueId: string;
  readonly route: Route;
  readonly items: readonly QueueItem[];
}

export interface AttemptContext {
  readonly queue: QueueStore;
  readonly spool: SpoolReader;
  readonly injector: MessageInjector;
  readonly log: DeliveryLog;
  readonly delivery: DeliveryConfig;
  readonly maildirRoot: string;
  readonly hostname: string;
  readonly logger: Logger;
  /** Forged `Authentication-Results` claiming this id are removed from the message on delivery. */
  readonly authservId?: string;
  readonly now: () => Date;
  readonly random: () => number;
  readonly signal: AbortSignal;
  /** Idle SMTP sessions shared by all attempts; absent: one session per attempt. */
  readonly sessions?: SessionPool;
  readonly onOutcome?: (outcome: AttemptOutcome, target: string) => void;
  /** Asks the scheduler to look again no later than `at`. */
  readonly wakeAt: (at: Date) => void;
}

type Result = 'delivered' | 'temporary' | 'permanent';

interface RecipientOutcome {
  readonly recipient: string;
  readonly result: Result;
  readonly reply: string;
  /** Full target for the attempt log (`maildir:<path>`, `smtp:host:port`). */
  readonly target: string;
}

const SPOOL_READ_DEFERRED = '451 4.3.0 spool entry could not be read now, will retry';
const SPOOL_UNREADABLE = '554 5.3.0 spool entry missing or unreadable; message cannot be delivered';
const NO_ROUTE = '550 5.4.4 no route to the recipient domain (not a configured domain and no fallback next hop)';

/**
 * Opens the message as delivered: attachments the verdict strips replaced by
 * their notice, then our header prefix, then the spooled bytes (Subject
 * tagged if asked).
 */
function openMessage(spool: SpoolReader, meta: SpoolMeta, authservId: string | undefined): Readable {
  const prefixes = [meta.verdict.externalPrefix, meta.verdict.action === 'tag' ? meta.verdict.subjectPrefix : undefined].filter((p): p is string => p !== undefined && p !== '');
  const subjectPrefix = prefixes.length === 0 ? undefined : prefixes.join(' ');
  const transform = createMessageTransform({
    headerPrefix: meta.headerPrefix,
    ...(subjectPrefix !== undefined ? { subjectPrefix } : {}),
    ...(authservId !== undefined ? { removeAuthResultsFor: authservId } : {}),
  });
  let body: Readable;
  try {
    body = spool.openBody(meta.queueId);
  } catch (err) {
    // A throw here would escape inside nodemailer's callbacks; make it a stream error instead.
    const failed = new PassThrough();
    failed.destroy(err instanceof Error ? err : new Error(String(err)));
    return failed;
  }
  const strip = meta.verdict.strip;
  if (strip !== undefined && strip.length > 0) {
    const stripper = createStripPartsTransform({
      parts: strip.map((s) => ({ path: s.part, reason: s.reason })),
      notice: meta.verdict.stripNotice ?? 'An attachment was removed by the mail gateway: {reason}',
      onReport: (report) => {
        // Fail closed: a part the verdict strips that cannot be found must not go out by accident.
        if (!report.complete) stripper.destroy(new MoatError('DELIVERY_STRIP_INCOMPLETE', `attachments to strip not found in ${meta.queueId}: ${JSON.stringify(report.outcomes)}`));
      },
    });
    pipeline(body, stripper, transform, () => undefined);
    return transform;
  }
  // pipeline destroys `transform` with any spool read error, which is how the
  // reader (SMTP DATA or Maildir writer) learns of it; nothing else to do here.
  pipeline(body, transform, () => undefined);
  return transform;
}

// A notice part (headers, template, escaped name and reason, base64 at worst) stays under this.
const STRIP_NOTICE_BOUND = 8192;

function messageSize(meta: SpoolMeta): number {
  // SIZE= is an upper bound: a stripped attachment's notice may be larger than the attachment.
  const notices = (meta.verdict.strip?.length ?? 0) * STRIP_NOTICE_BOUND;
  const prefixes = Buffer.byteLength(meta.verdict.subjectPrefix ?? '') + Buffer.byteLength(meta.verdict.externalPrefix ?? '') + 2;
  return meta.size + Buffer.byteLength(meta.headerPrefix) + prefixes + 2 + notices;
}

async function deliverSmtp(ctx: AttemptContext, hop: NextHopConfig, meta: SpoolMeta, recipients: string[]): Promise<RecipientOutcome[]> {
  const target = `smtp:${hop.host}:${hop.port}`;
  const result = await deliverToNextHop({
    hop,
    heloName: ctx.hostname,
    mailFrom: meta.envelope.mailFrom,
    recipients,
    message: () => openMessage(ctx.spool, meta, ctx.authservId),
    connectTimeoutMs: ctx.delivery.connectTimeoutSeconds * 1000,
    signal: ctx.signal,
    smtpUtf8: meta.envelope.smtpUtf8,
    ...(meta.envelope.body !== undefined ? { body: meta.envelope.body } : {}),
    size: messageSize(meta),
    ...(ctx.sessions ? { pool: ctx.sessions } : {}),
  });
  return [
    ...result.accepted.map((a) => ({ recipient: a.recipient, result: 'delivered' as const, reply: a.reply, target })),
    ...result.rejected.map((r) => ({
      recipient: r.recipient,
      result: r.permanent ? ('permanent' as const) : ('temporary' as const),
      reply: r.reply,
      target,
    })),
  ];
}

async function deliverLocal(ctx: AttemptContext, meta: SpoolMeta, recipients: string[]): Promise<RecipientOutcome[]> {
  const outcomes: RecipientOutcome[] = [];
  for (const recipient of recipients) {
    try {
      const path = await deliverToMaildir({
        root: ctx.maildirRoot,
        recipient,
        message: openMessage(ctx.spool, meta, ctx.authservId),
        hostname: ctx.hostname,
      });
      outcomes.push({ recipient, result: 'delivered', reply: '250 2.0.0 delivered to maildir', target: `maildir:${path}` });
    } catch (err) {
      const escape = err instanceof MoatError && err.code === 'MAILDIR_PATH_ESCAPE';
      ctx.logger.error({ err, spoolId: meta.queueId, sessionId: meta.envelope.sessionId }, 'maildir delivery failed');
      const detail = err instanceof Error ? err.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200) : 'unknown error';
      outcomes.push({
        recipient,
        result: escape ? 'permanent' : 'temporary',
        reply: escape ? '550 5.1.3 recipient cannot be mapped to a mailbox' : `451 4.3.0 local delivery failed: ${detail}`,
        target: `maildir:${ctx.maildirRoot}`,
      });
    }
  }
  return outcomes;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

function dsnStatus(reply: string, permanent: boolean): string {
  const { enhanced } = parseReplyCodes(reply);
  if (enhanced !== undefined) return enhanced;
  // RFC 3463 X.4.7: delivery time expired.
  return permanent ? '5.0.0' : '4.4.7';
}

/** Outcomes by row: rows for the same recipient (duplicates) share it. */
interface RowOutcome {
  readonly item: QueueItem;
  readonly outcome: RecipientOutcome;
  readonly final: AttemptOutcome;
}

/** Runs one attempt for `group`. Never rejects for delivery trouble; only for queue/log storage errors. */
/** Missing (ENOENT gives undefined) or malformed meta is final; any other read error is transient. */
function isPermanentSpoolError(error: unknown): boolean {
  return error instanceof MoatError && (error.code === 'SPOOL_META_INVALID' || error.code === 'SPOOL_BAD_ID');
}

/**
 * The queue or the log could not record an attempt (database unreachable).
 * `sent` says whether a retry could send something twice: something left
 * Moat (a delivery or a bounce) and the spool could not keep a note of it
 * either. Then the runner keeps the rows out of the queue for a while;
 * otherwise a retry is harmless and comes soon.
 */
export class DeliveryBookkeepingError extends MoatError {
  constructor(
    readonly sent: boolean,
    options: { cause: unknown },
  ) {
    super('DELIVERY_BOOKKEEPING_FAILED', `could not record a delivery attempt (${sent ? 'after sending' : 'nothing sent'})`, options);
    this.name = 'DeliveryBookkeepingError';
  }
}

/**
 * Runs the queue and log writes of an attempt. When they fail, `settled`
 * (if the attempt sent anything) keeps what was sent beside the spool entry;
 * only if that fails too may a retry send twice (`sent: true`).
 */
async function bookkeep(settled: false | (() => Promise<void>), write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (settled === false) throw new DeliveryBookkeepingError(false, { cause: error });
    const kept = await settled().then(
      () => true,
      () => false,
    );
    throw new DeliveryBookkeepingError(!kept, { cause: error });
  }
}

export async function attemptGroup(ctx: AttemptContext, group: DeliveryGroup): Promise<void> {
  const startedMs = performance.now();
  const at = ctx.now();
  const { queueId } = group;
  const recipients = [...new Set(group.items.map((i) => i.recipient))];

  let meta: SpoolMeta | undefined;
  let metaError: unknown;
  try {
    meta = await ctx.spool.readMeta(queueId);
  } catch (err) {
    metaError = err;
  }
  if (meta === undefined && metaError !== undefined && !isPermanentSpoolError(metaError)) {
    // A passing I/O error (EMFILE, EIO) on an acknowledged message: retry later, never drop it.
    ctx.logger.warn({ err: metaError, spoolId: queueId }, 'spool entry not readable now; delivery deferred');
    const attempts = Math.max(...group.items.map((i) => i.attempts)) + 1;
    const next = new Date(at.getTime() + retryDelay(attempts, ctx.delivery.retry, ctx.random));
    await bookkeep(false, () => ctx.queue.markDeferred(group.items.map((i) => i.id), SPOOL_READ_DEFERRED, next, at));
    ctx.wakeAt(next);
    return;
  }
  if (meta === undefined) {
    // The spool owns moving a corrupt entry aside; we only end its queue rows, and leave the files alone.
    ctx.logger.error({ err: metaError, spoolId: queueId }, 'spool entry missing or unreadable; recipients failed');
    const ids = group.items.map((i) => i.id);
    await bookkeep(false, async () => {
      await ctx.queue.markFailed(ids, SPOOL_UNREADABLE, at);
      const durationMs = performance.now() - startedMs;
      for (const item of group.items) {
        await ctx.log.recordAttempt({
          queueId,
          recipient: item.recipient,
          target: 'spool',
          outcome: 'failed',
          reply: SPOOL_UNREADABLE,
          at: at.toISOString(),
          durationMs,
        });
        ctx.onOutcome?.('failed', 'spool');
      }
    });
    return;
  }

  // Recipients an earlier attempt settled while the database was away: record, do not send again.
  const settledBefore = new Map(ctx.spool.settled(queueId).map((s) => [s.recipient, s]));
  const toSend = recipients.filter((r) => !settledBefore.has(r));
  let outcomes: RecipientOutcome[] = [];
  if (toSend.length === 0) outcomes = [];
  else if (group.route.kind === 'smtp') outcomes = await deliverSmtp(ctx, group.route.hop, meta, toSend);
  else if (group.route.kind === 'maildir') outcomes = await deliverLocal(ctx, meta, toSend);
  else {
    ctx.logger.error({ spoolId: queueId, sessionId: meta.envelope.sessionId }, 'no route for recipient domain');
    outcomes = toSend.map((recipient) => ({ recipient, result: 'permanent' as const, reply: NO_ROUTE, target: 'none' }));
  }
  for (const s of settledBefore.values()) outcomes.push({ recipient: s.recipient, result: s.outcome === 'delivered' ? 'delivered' : 'permanent', reply: s.reply, target: s.target });
  const byRecipient = new Map(outcomes.map((o) => [o.recipient, o]));

  const maxAgeMs = ctx.delivery.maxAgeHours * 3600 * 1000;
  const rows: RowOutcome[] = group.items.map((item) => {
    const outcome = byRecipient.get(item.recipient) ?? {
      recipient: item.recipient,
      result: 'temporary' as const,
      reply: '451 4.3.0 no outcome recorded for recipient',
      target: group.route.key,
    };
    if (outcome.result === 'delivered') return { item, outcome, final: 'delivered' };
    if (outcome.result === 'permanent') return { item, outcome, final: 'failed' };
    const created = Date.parse(item.createdAt);
    const expired = Number.isFinite(created) && at.getTime() - created > maxAgeMs;
    return { item, outcome, final: expired ? 'failed' : 'deferred' };
  });

  // A failure settled before already has its bounce queued.
  const bouncedBefore = rows.filter((r) => r.final === 'failed' && settledBefore.has(r.item.recipient));
  let failedRows = rows.filter((r) => r.final === 'failed' && !settledBefore.has(r.item.recipient));
  // Never bounce a bounce: the null sender marks DSNs and other notifications (RFC 5321 §4.5.5).
  if (failedRows.length > 0 && meta.envelope.mailFrom !== '') {
    const bounced = await sendDsn(ctx, group, meta, failedRows);
    if (!bounced) {
      // Without a queued DSN a failure would be silent; keep the rows and try again later.
      failedRows = [];
    }
  }
  const failedIds = new Set([...failedRows, ...bouncedBefore].map((r) => r.item.id));
  const finalRows = rows.map((r) =>
    r.final === 'failed' && !failedIds.has(r.item.id) ? { ...r, final: 'deferred' as const } : r,
  );

  // What this attempt settled (a delivery, or a failure with its bounce queued): if the
  // queue cannot record it, the spool keeps it so the next attempt does not send again.
  const settledNow: SettledRecipient[] = finalRows
    .filter((r) => (r.final === 'delivered' || r.final === 'failed') && !settledBefore.has(r.item.recipient))
    .map((r) => ({ recipient: r.item.recipient, outcome: r.final === 'delivered' ? 'delivered' : 'failed', reply: r.outcome.reply, target: r.outcome.target }));
  await bookkeep(settledNow.length === 0 ? false : () => ctx.spool.recordSettled(queueId, settledNow), async () => {
    await markRows(ctx, finalRows, at);

    const durationMs = performance.now() - startedMs;
    for (const r of finalRows) {
      await ctx.log.recordAttempt({
        queueId,
        recipient: r.item.recipient,
        target: r.outcome.target,
        outcome: r.final,
        reply: r.outcome.reply,
        at: at.toISOString(),
        durationMs,
      });
      // Metrics get the route, not a per-mailbox path, to keep label cardinality bounded.
      ctx.onOutcome?.(r.final, group.route.key);
    }
    const count = (o: AttemptOutcome): number => finalRows.filter((r) => r.final === o).length;
    ctx.logger.info(
      {
        spoolId: queueId,
        sessionId: meta.envelope.sessionId,
        target: group.route.key,
        delivered: count('delivered'),
        deferred: count('deferred'),
        failed: count('failed'),
        durationMs: Math.round(durationMs),
      },
      'delivery attempt',
    );

    if ((await ctx.queue.remaining(queueId)) === 0) {
      await ctx.spool.remove(queueId);
    }
  });
}

async function markRows(ctx: AttemptContext, rows: readonly RowOutcome[], at: Date): Promise<void> {
  for (const [reply, list] of groupBy(rows.filter((r) => r.final === 'delivered'), (r) => r.outcome.reply)) {
    await ctx.queue.markDelivered(list.map((r) => r.item.id), reply, at);
  }
  for (const [reply, list] of groupBy(rows.filter((r) => r.final === 'failed'), (r) => r.outcome.reply)) {
    await ctx.queue.markFailed(list.map((r) => r.item.id), reply, at);
  }
  for (const [reply, list] of groupBy(rows.filter((r) => r.final === 'deferred'), (r) => r.outcome.reply)) {
    const attempts = Math.max(...list.map((r) => r.item.attempts)) + 1;
    const next = new Date(at.getTime() + retryDelay(attempts, ctx.delivery.retry, ctx.random));
    await ctx.queue.markDeferred(list.map((r) => r.item.id), reply, next, at);
    ctx.wakeAt(next);
  }
}

async function sendDsn(ctx: AttemptContext, group: DeliveryGroup, meta: SpoolMeta, failed: readonly RowOutcome[]): Promise<boolean> {
  let originalHeaders: Buffer = Buffer.alloc(0);
  try {
    originalHeaders = await readHeaderBlock(ctx.spool.openBody(group.queueId));
  } catch (err) {
    // The bounce still tells the sender what failed; the quoted headers are a courtesy.
    ctx.logger.warn({ err, spoolId: group.queueId }, 'original headers unreadable for bounce');
  }
  const arrival = Date.parse(meta.envelope.receivedAt);
  const seen = new Set<string>();
  const recipients: DsnRecipient[] = [];
  for (const r of failed) {
    if (seen.has(r.item.recipient)) continue;
    seen.add(r.item.recipient);
    const permanent = r.outcome.result === 'permanent' || classifyReply(parseReplyCodes(r.outcome.reply).code) === 'permanent';
    recipients.push({
      recipient: r.item.recipient,
      action: 'failed',
      status: dsnStatus(r.outcome.reply, permanent),
      diagnostic: r.outcome.reply,
      ...(group.route.kind === 'smtp' ? { remoteMta: group.route.hop.host } : {}),
    });
  }
  const raw = buildDsn({
    reportingMta: ctx.hostname,
    mailFrom: meta.envelope.mailFrom,
    arrivalDate: Number.isFinite(arrival) ? new Date(arrival) : ctx.now(),
    recipients,
    originalHeaders,
    queueId: group.queueId,
    date: ctx.now(),
  });
  try {
    const dsnId = await ctx.injector.inject('', [meta.envelope.mailFrom], raw);
    ctx.logger.info({ spoolId: group.queueId, dsnSpoolId: dsnId, recipients: recipients.length }, 'bounce queued');
    return true;
  } catch (err) {
    ctx.logger.error({ err, spoolId: group.queueId }, 'bounce could not be queued; failure kept pending');
    return false;
  }
}
