/**
 * The dashboard: messages per hour by action as a stacked bar chart (with
 * the same numbers in a table under it), totals, top findings and targeted
 * recipients, and for installation-wide roles the queue, health and engine
 * facts. The range (24 hours or 7 days) lives in the URL so it can be shared.
 */
import type { ReactNode } from 'react';
import { queryString } from '../api';
import { StackedBarChart, type ChartBucket, type ChartSeries } from '../chart';
import { ErrorBox, KeyValues, text, useApi } from '../format';
import { Link, useLocation } from '../router';
import { useSession } from '../session';

interface Dashboard {
  readonly hours: number;
  readonly hourly: ReadonlyArray<{ readonly hour: string; readonly action: string; readonly count: number }>;
  readonly totals: Readonly<Record<string, number>>;
  readonly topFindings: ReadonlyArray<{ readonly symbol: string; readonly count: number }>;
  readonly topRecipients: ReadonlyArray<{ readonly recipient: string; readonly count: number }>;
  readonly queue?: ReadonlyArray<{ readonly nodeId: string; readonly pending: number }>;
  readonly health?: Readonly<Record<string, string>>;
  readonly engines?: Readonly<Record<string, string | number | boolean>>;
}

const RANGES: ReadonlyArray<{ readonly hours: number; readonly label: string }> = [
  { hours: 24, label: '24 hours' },
  { hours: 168, label: '7 days' },
];

const ACTIONS: readonly ChartSeries[] = [
  { key: 'deliver', label: 'Deliver', className: 'series-deliver' },
  { key: 'tag', label: 'Tag', className: 'series-tag' },
  { key: 'quarantine', label: 'Quarantine', className: 'series-quarantine' },
  { key: 'reject', label: 'Reject', className: 'series-reject' },
  { key: 'defer', label: 'Defer', className: 'series-defer' },
];

const HOUR_MS = 3_600_000;

/** The API's hour key: the first 13 characters of an ISO time (UTC), as the message log groups them. */
function hourKey(time: Date): string {
  return time.toISOString().slice(0, 13);
}

/** The known actions, then any the API reports that this page does not know yet (drawn in a neutral colour). */
function seriesFor(data: Dashboard): ChartSeries[] {
  const known = new Set(ACTIONS.map((a) => a.key));
  const extra = [...new Set([...Object.keys(data.totals), ...data.hourly.map((h) => h.action)])].filter((a) => !known.has(a)).sort();
  return [...ACTIONS, ...extra.map((key) => ({ key, label: key, className: 'series-other' }))];
}

/** One bucket per hour of the window, oldest first, so quiet hours show as gaps rather than vanish. */
function bucketsFor(data: Dashboard, until: Date, daily: boolean): ChartBucket[] {
  const counts = new Map<string, Record<string, number>>();
  for (const row of data.hourly) {
    const values = counts.get(row.hour) ?? {};
    values[row.action] = (values[row.action] ?? 0) + row.count;
    counts.set(row.hour, values);
  }
  const buckets: ChartBucket[] = [];
  const first = new Date(until.getTime() - data.hours * HOUR_MS);
  for (let t = Date.parse(`${hourKey(first)}:00:00Z`); t <= until.getTime(); t += HOUR_MS) {
    const at = new Date(t);
    const key = hourKey(at);
    const hour = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    buckets.push({
      label: daily ? at.toLocaleDateString([], { weekday: 'short', day: 'numeric' }) : hour,
      title: `${at.toLocaleDateString()} ${hour}`,
      values: counts.get(key) ?? {},
    });
  }
  return buckets;
}

export function DashboardPage(): ReactNode {
  const { query } = useLocation();
  const { session, installationWide } = useSession();
  const hours = query.get('hours') === '168' ? 168 : 24;
  const answer = useApi<Dashboard>(`/api/v1/dashboard${queryString({ hours: String(hours) })}`);
  const data = answer.data;
  const series = data === undefined ? ACTIONS : seriesFor(data);
  // The 7-day chart names days (one label a day); the 24-hour chart names every third hour.
  const buckets = data === undefined ? [] : bucketsFor(data, new Date(), hours > 24);
  const busy = buckets.filter((b) => Object.values(b.values).some((n) => n > 0));
  const total = (key: string): number => data?.totals[key] ?? 0;
  // The queue is the installation's: an organization administrator's answer carries an empty one, not theirs.
  const queue = installationWide ? data?.queue : undefined;

  return (
    <section>
      <h1>Dashboard</h1>
      <p className="muted">Signed in as {session.user.username}.</p>
      <nav className="toolbar range" aria-label="Time range">
        {RANGES.map((r) => (
          <Link key={r.hours} to={`/${r.hours === 24 ? '' : `?hours=${r.hours}`}`} className="range-link" aria-current={r.hours === hours ? 'page' : undefined}>
            Last {r.label}
          </Link>
        ))}
      </nav>
      <ErrorBox error={answer.error} />
      {data === undefined ? (
        answer.error === undefined && <p className="muted">Loading…</p>
      ) : (
        <>
          <dl className="totals" aria-label="Totals">
            <div>
              <dt>Messages</dt>
              <dd data-testid="total-messages">{Object.values(data.totals).reduce((a, b) => a + b, 0)}</dd>
            </div>
            {series.map((s) => (
              <div key={s.key} className={`total-${s.key}`}>
                <dt>{s.label}</dt>
                <dd>{total(s.key)}</dd>
              </div>
            ))}
          </dl>
          <h2 id="traffic-heading">Messages per hour by action</h2>
          <StackedBarChart title={`Messages per hour by action, last ${hours === 24 ? '24 hours' : '7 days'}`} series={series} buckets={buckets} labelEvery={hours > 24 ? 24 : 3} />
          <table className="list compact" aria-label="Messages per hour">
            <thead>
              <tr>
                <th scope="col">Hour</th>
                {series.map((s) => (
                  <th key={s.key} scope="col" className="num">
                    {s.label}
                  </th>
                ))}
                <th scope="col" className="num">
                  All
                </th>
              </tr>
            </thead>
            <tbody>
              {busy.length === 0 && (
                <tr>
                  <td colSpan={series.length + 2} className="muted">
                    No mail in this period.
                  </td>
                </tr>
              )}
              {busy.map((b) => (
                <tr key={b.title}>
                  <th scope="row" className="nowrap">
                    {b.title}
                  </th>
                  {series.map((s) => (
                    <td key={s.key} className="num">
                      {b.values[s.key] ?? 0}
                    </td>
                  ))}
                  <td className="num">{Object.values(b.values).reduce((a, n) => a + n, 0)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">All hours</th>
                {series.map((s) => (
                  <td key={s.key} className="num">
                    {total(s.key)}
                  </td>
                ))}
                <td className="num">{Object.values(data.totals).reduce((a, b) => a + b, 0)}</td>
              </tr>
            </tfoot>
          </table>
          <div className="columns">
            <div>
              <h2>Top findings</h2>
              <CountTable label="Top findings" head="Finding" rows={data.topFindings.map((f) => [f.symbol, f.count] as const)} />
            </div>
            <div>
              <h2>Top targeted recipients</h2>
              <CountTable label="Top targeted recipients" head="Recipient" rows={data.topRecipients.map((r) => [r.recipient, r.count] as const)} />
            </div>
          </div>
          {(queue !== undefined || data.health !== undefined || data.engines !== undefined) && (
            <div className="columns">
              <div>
                {queue !== undefined && (
                  <>
                    <h2>Queue</h2>
                    <CountTable label="Queue depth per node" head="Node" rows={queue.map((q) => [q.nodeId, q.pending] as const)} countHead="Pending" empty="The queue is empty." />
                  </>
                )}
                {data.health !== undefined && (
                  <>
                    <h2>Health</h2>
                    <ul className="health" aria-label="Health">
                      {Object.entries(data.health).map(([name, state]) => (
                        <li key={name}>
                          <span className={`badge ${state === 'ok' ? 'state-ok' : 'state-fail'}`}>{state === 'ok' ? 'ok' : 'fail'}</span> {name}
                        </li>
                      ))}
                    </ul>
                  </>
                )}
              </div>
              <div>
                {data.engines !== undefined && (
                  <>
                    <h2>Engines</h2>
                    <KeyValues rows={Object.entries(data.engines).map(([name, value]) => [name, text(value)] as const)} />
                  </>
                )}
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** A two-column table of names and counts, or a line saying there is nothing. */
function CountTable(props: { readonly label: string; readonly head: string; readonly rows: ReadonlyArray<readonly [string, number]>; readonly countHead?: string; readonly empty?: string }): ReactNode {
  if (props.rows.length === 0) return <p className="muted">{props.empty ?? 'Nothing in this period.'}</p>;
  return (
    <table className="list compact" aria-label={props.label}>
      <thead>
        <tr>
          <th scope="col">{props.head}</th>
          <th scope="col" className="num">
            {props.countHead ?? 'Messages'}
          </th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(([name, count]) => (
          <tr key={name}>
            <td className="clip">{name}</td>
            <td className="num">{count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
