/**
 * The queue runner's pure decisions: which rows to ask the queue for (skip
 * rows in flight and rows whose route is full) and how due rows form
 * transactions (one per message and route, at most 100 recipients).
 */
import type { DomainConfig, NextHopConfig } from '../config/schema.js';
import type { DeliveryGroup } from './attempt.js';
import type { DueFilter, QueueItem } from './ports.js';
import { resolveRoute } from './route.js';
import type { Route } from './route.js';

// RFC 5321 §4.5.3.1.8: a server need accept no more than 100 recipients per transaction.
export const MAX_RECIPIENTS_PER_TRANSACTION = 100;

export interface RouteTable {
  /** The route for a (lower-case) recipient domain; configured domains first, else the fallback. */
  routeOf(domain: string): Route;
  /**
   * What `due()` should leave out when `busy(routeKey)` says a route has no free
   * slot; `undefined` when no route has one, so there is nothing to ask for.
   */
  dueFilter(busy: (routeKey: string) => boolean, inFlight: Iterable<number>): DueFilter | undefined;
  /** Transactions all routes together could still start, given each route's active count and limit. */
  freeRouteSlots(active: (routeKey: string) => number, perRoute: number): number;
}

/** Resolves every configured domain once, so the hot path is one map lookup per row. */
export function createRouteTable(domains: readonly DomainConfig[], fallbackHop?: NextHopConfig): RouteTable {
  const configured = new Map<string, Route>();
  for (const d of domains) {
    const name = d.name.toLowerCase();
    // resolveRoute takes the first matching entry; so does this.
    if (!configured.has(name)) configured.set(name, resolveRoute(name, domains, fallbackHop));
  }
  // Any domain we do not host goes the same way: the smart host, or nowhere.
  const fallback = resolveRoute('', [], fallbackHop);
  const entries = [...configured];
  const routeKeys = [...new Set([...configured.values()].map((r) => r.key).concat(fallback.key))];

  return {
    routeOf: (domain) => configured.get(domain.toLowerCase()) ?? fallback,
    dueFilter(busy, inFlight) {
      const excludeIds = [...inFlight];
      if (!busy(fallback.key)) {
        const excludeDomains = entries.filter(([, route]) => busy(route.key)).map(([name]) => name);
        return { excludeIds, ...(excludeDomains.length > 0 ? { excludeDomains } : {}) };
      }
      // Rows of domains we do not host are all for the full fallback route: ask only for configured ones.
      const onlyDomains = entries.filter(([, route]) => !busy(route.key)).map(([name]) => name);
      return onlyDomains.length === 0 ? undefined : { excludeIds, onlyDomains };
    },
    freeRouteSlots(active, perRoute) {
      let free = 0;
      for (const key of routeKeys) free += Math.max(0, perRoute - active(key));
      return free;
    },
  };
}

export interface GroupOptions {
  readonly routeOf: (domain: string) => Route;
  /** Rows already in flight; skipped even if the queue returned them. */
  readonly inFlight: ReadonlySet<number>;
  /**
   * The batch hit its row limit, so the last message in it may be cut short.
   * That message waits for the next batch (where it comes first) rather than
   * going out split over two transactions, unless it is the only one.
   */
  readonly truncated: boolean;
}

/** Groups due rows (oldest first) into transactions, oldest group first. */
export function groupDueRows(rows: readonly QueueItem[], opts: GroupOptions): DeliveryGroup[] {
  const last = rows[rows.length - 1];
  const holdBack = opts.truncated && last !== undefined && rows.some((r) => r.queueId !== last.queueId) ? last.queueId : undefined;
  const groups = new Map<string, { queueId: string; route: Route; items: QueueItem[] }>();
  for (const row of rows) {
    if (opts.inFlight.has(row.id) || row.queueId === holdBack) continue;
    const route = opts.routeOf(row.domain);
    const key = `${row.queueId}\u0000${route.key}`;
    const group = groups.get(key);
    if (group) group.items.push(row);
    else groups.set(key, { queueId: row.queueId, route, items: [row] });
  }
  const out: DeliveryGroup[] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.items.length; i += MAX_RECIPIENTS_PER_TRANSACTION) {
      out.push({ ...group, items: group.items.slice(i, i + MAX_RECIPIENTS_PER_TRANSACTION) });
    }
  }
  return out;
}
