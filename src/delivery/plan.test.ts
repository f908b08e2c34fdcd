import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DomainConfig } from '../config/schema.js';
import { createRouteTable, groupDueRows, MAX_RECIPIENTS_PER_TRANSACTION } from './plan.js';
import type { QueueItem } from './ports.js';

const hopA = { host: '127.0.0.1', port: 2525, tls: 'none', verifyCertificate: false } as const;
const hopB = { host: '127.0.0.1', port: 2526, tls: 'none', verifyCertificate: false } as const;
const smart = { host: 'smart.test', port: 25, tls: 'opportunistic', verifyCertificate: true } as const;
const domains: DomainConfig[] = [
  { name: 'A.test', recipients: 'any', nextHop: hopA },
  { name: 'a2.test', recipients: 'any', nextHop: hopA },
  { name: 'b.test', recipients: 'any', nextHop: hopB },
  { name: 'local.test', recipients: 'any' },
];
const keyA = 'smtp:127.0.0.1:2525';
const keyB = 'smtp:127.0.0.1:2526';
const keySmart = 'smtp:smart.test:25';

let nextId = 1;
function rows(queueId: string, ...recipients: string[]): QueueItem[] {
  return recipients.map((recipient) => ({
    id: nextId++,
    queueId,
    recipient,
    domain: (recipient.split('@')[1] ?? '').toLowerCase(),
    attempts: 0,
    createdAt: '2025-01-01T00:00:00.000Z',
    nextAttemptAt: '2025-01-01T00:00:00.000Z',
  }));
}

test('routeOf: configured domains case-insensitively, anything else to the fallback (or none)', () => {
  const withSmart = createRouteTable(domains, smart);
  assert.equal(withSmart.routeOf('a.test').key, keyA);
  assert.equal(withSmart.routeOf('A.TEST').key, keyA);
  assert.equal(withSmart.routeOf('local.test').key, 'maildir');
  assert.equal(withSmart.routeOf('outside.test').key, keySmart);
  assert.equal(createRouteTable(domains).routeOf('outside.test').key, 'none');
});

test('dueFilter: in-flight rows always excluded; nothing else while no route is full', () => {
  const table = createRouteTable(domains, smart);
  assert.deepEqual(table.dueFilter(() => false, new Set([3, 7])), { excludeIds: [3, 7] });
});

test('dueFilter: a full route excludes every configured domain that uses it', () => {
  const table = createRouteTable(domains, smart);
  assert.deepEqual(table.dueFilter((key) => key === keyA, []), { excludeIds: [], excludeDomains: ['a.test', 'a2.test'] });
});

test('dueFilter: a full fallback asks only for configured domains on free routes', () => {
  const table = createRouteTable(domains, smart);
  assert.deepEqual(table.dueFilter((key) => key === keySmart || key === keyB, [1]), {
    excludeIds: [1],
    onlyDomains: ['a.test', 'a2.test', 'local.test'],
  });
});

test('dueFilter: every route full means no query at all', () => {
  const table = createRouteTable(domains, smart);
  assert.equal(table.dueFilter(() => true, []), undefined);
  // Without a smart host, unknown domains take the `none` route, which can be full as well.
  assert.equal(createRouteTable(domains).dueFilter(() => true, []), undefined);
});

test('groupDueRows: one group per message and route, in-flight rows skipped', () => {
  const table = createRouteTable(domains, smart);
  const m1 = rows('M1', 'x@a.test', 'y@b.test', 'z@a2.test', 'w@local.test');
  const m2 = rows('M2', 'x@a.test');
  const inFlight = new Set([m2[0]?.id ?? 0]);
  const groups = groupDueRows([...m1, ...m2], { routeOf: table.routeOf, inFlight, truncated: false });
  assert.deepEqual(
    groups.map((g) => [g.queueId, g.route.key, g.items.map((i) => i.recipient)]),
    [
      ['M1', keyA, ['x@a.test', 'z@a2.test']],
      ['M1', keyB, ['y@b.test']],
      ['M1', 'maildir', ['w@local.test']],
    ],
  );
});

test('groupDueRows: more than 100 recipients split into transactions of at most 100', () => {
  const table = createRouteTable(domains, smart);
  const many = rows('M1', ...Array.from({ length: 250 }, (_, i) => `r${i}@a.test`));
  const groups = groupDueRows(many, { routeOf: table.routeOf, inFlight: new Set(), truncated: false });
  assert.deepEqual(groups.map((g) => g.items.length), [MAX_RECIPIENTS_PER_TRANSACTION, MAX_RECIPIENTS_PER_TRANSACTION, 50]);
});

test('groupDueRows: a truncated batch holds back its last message, unless it is the only one', () => {
  const table = createRouteTable(domains, smart);
  const batch = [...rows('M1', 'a@a.test'), ...rows('M2', 'b@a.test', 'c@a.test')];
  const cut = groupDueRows(batch, { routeOf: table.routeOf, inFlight: new Set(), truncated: true });
  assert.deepEqual(cut.map((g) => g.queueId), ['M1']);
  const whole = groupDueRows(batch, { routeOf: table.routeOf, inFlight: new Set(), truncated: false });
  assert.deepEqual(whole.map((g) => g.queueId), ['M1', 'M2']);
  const alone = groupDueRows(rows('M3', 'a@a.test', 'b@a.test'), { routeOf: table.routeOf, inFlight: new Set(), truncated: true });
  assert.deepEqual(alone.map((g) => [g.queueId, g.items.length]), [['M3', 2]]);
});

test('freeRouteSlots: what each route can still start, summed over configured routes and the fallback', () => {
  const table = createRouteTable(domains, smart);
  // Routes: A, B, maildir, smart host; 2 slots each.
  assert.equal(table.freeRouteSlots(() => 0, 2), 8);
  const active = new Map([
    [keyA, 2],
    [keySmart, 5],
    ['maildir', 1],
  ]);
  assert.equal(table.freeRouteSlots((key) => active.get(key) ?? 0, 2), 3);
});
