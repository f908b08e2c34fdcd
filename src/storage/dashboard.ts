/**
 * What the dashboard shows about a time window of the message log: messages
 * per hour by action, the most frequent findings, the most targeted
 * recipients, and the installation's queue depth per node. Every figure is
 * scoped to the organizations the caller may see. The window is read through
 * the `received_at` index, so its cost grows with the traffic in the window,
 * not with the log.
 */
import type { Kysely } from 'kysely';
import type { Action } from '../core/index.js';
import type { Database } from './database.js';

export interface DashboardWindow {
  readonly since: Date;
  readonly until: Date;
  /** The organizations counted; `all` for installation-wide roles. */
  readonly organizations: 'all' | readonly number[];
  /** Rows in each top list; default 10. */
  readonly top?: number;
}

export interface DashboardStats {
  /** One row per hour (`YYYY-MM-DDTHH`, UTC) and action that had messages. */
  readonly hourly: ReadonlyArray<{ readonly hour: string; readonly action: Action; readonly count: number }>;
  readonly totals: Readonly<Partial<Record<Action, number>>>;
  readonly topFindings: ReadonlyArray<{ readonly symbol: string; readonly count: number }>;
  readonly topRecipients: ReadonlyArray<{ readonly recipient: string; readonly count: number }>;
  /** Pending queue rows per node (installation-wide roles only; empty otherwise). */
  readonly queue: ReadonlyArray<{ readonly nodeId: string; readonly pending: number }>;
}

const MAX_TOP = 100;

/** Reads the dashboard figures for a window. */
export async function readDashboard(db: Kysely<Database>, window: DashboardWindow): Promise<DashboardStats> {
  const since = window.since.toISOString();
  const until = window.until.toISOString();
  const top = Math.min(Math.max(window.top ?? 10, 1), MAX_TOP);
  const scoped = window.organizations !== 'all';
  const visible = window.organizations === 'all' || window.organizations.length === 0 ? [-1] : [...window.organizations];

  // substr(received_at, 1, 13) is the UTC hour of the ISO timestamp on both engines.
  const hourly = await db
    .selectFrom('messages')
    .select((eb) => [eb.fn<string>('substr', ['received_at', eb.val(1), eb.val(13)]).as('hour'), 'action', eb.fn.countAll<number | string>().as('n')])
    .where('received_at', '>=', since)
    .where('received_at', '<', until)
    .$if(scoped, (qb) => qb.where('messages.organization_id', 'in', visible))
    .groupBy(['hour', 'action'])
    .orderBy('hour')
    .execute();

  const topFindings = await db
    .selectFrom('messages')
    .innerJoin('findings', 'findings.queue_id', 'messages.queue_id')
    .select((eb) => ['findings.symbol as symbol', eb.fn.count<number | string>('findings.queue_id').distinct().as('n')])
    .where('messages.received_at', '>=', since)
    .where('messages.received_at', '<', until)
    .$if(scoped, (qb) => qb.where('messages.organization_id', 'in', visible))
    .groupBy('findings.symbol')
    .orderBy('n', 'desc')
    .orderBy('symbol')
    .limit(top)
    .execute();

  const topRecipients = await db
    .selectFrom('messages')
    .innerJoin('message_recipients', 'message_recipients.queue_id', 'messages.queue_id')
    .select((eb) => ['message_recipients.recipient as recipient', eb.fn.countAll<number | string>().as('n')])
    .where('messages.received_at', '>=', since)
    .where('messages.received_at', '<', until)
    .$if(scoped, (qb) => qb.where('messages.organization_id', 'in', visible))
    .groupBy('message_recipients.recipient')
    .orderBy('n', 'desc')
    .orderBy('recipient')
    .limit(top)
    .execute();

  const queue =
    window.organizations === 'all'
      ? await db
          .selectFrom('queue')
          .select((eb) => ['node_id', eb.fn.countAll<number | string>().as('n')])
          .where('state', '=', 'pending')
          .groupBy('node_id')
          .orderBy('node_id')
          .execute()
      : [];

  const totals: Partial<Record<Action, number>> = {};
  for (const row of hourly) totals[row.action] = (totals[row.action] ?? 0) + Number(row.n);
  return {
    hourly: hourly.map((r) => ({ hour: r.hour, action: r.action, count: Number(r.n) })),
    totals,
    topFindings: topFindings.map((r) => ({ symbol: r.symbol, count: Number(r.n) })),
    topRecipients: topRecipients.map((r) => ({ recipient: r.recipient, count: Number(r.n) })),
    queue: queue.map((r) => ({ nodeId: r.node_id, pending: Number(r.n) })),
  };
}
