/**
 * Retro-hunts: the runs (newest first) with a "Hunt now" button (every
 * active indicator, intel:write), and one run: per organization, the
 * messages that reached mailboxes first (links to the message, to pull
 * them) and how many were blocked.
 */
import { useState, type ReactNode } from 'react';
import { api } from '../api';
import { ErrorBox, formatTime, useApi } from '../format';
import { Link, navigate } from '../router';
import { useSession } from '../session';

interface HuntRun {
  readonly id: number;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly trigger: string;
  readonly requestedBy: string;
  readonly indicators: number;
  readonly matches: number;
  readonly messages: number;
  readonly elapsedMs?: number;
  readonly error?: string;
}

interface HuntMessage {
  readonly queueId: string;
  readonly receivedAt: string;
  readonly status: string;
  readonly indicators: ReadonlyArray<{ readonly type: string; readonly value: string; readonly field: string }>;
}

interface HuntOrganization {
  readonly organizationId: number;
  readonly name: string;
  readonly delivered: readonly HuntMessage[];
  readonly blocked: readonly HuntMessage[];
}

interface HuntSummary {
  readonly since?: string;
  readonly notHuntable?: ReadonlyArray<{ readonly type: string; readonly count: number; readonly reason: string }>;
  readonly byOrganization?: ReadonlyArray<{ readonly name: string; readonly delivered: readonly string[]; readonly blocked: readonly string[] }>;
}

/** A run's state in a word. */
function stateOf(run: HuntRun): string {
  if (run.error !== undefined) return `failed: ${run.error}`;
  return run.finishedAt === undefined ? 'running' : `${run.elapsedMs ?? 0} ms`;
}

export function HuntsPage(): ReactNode {
  const { can } = useSession();
  const list = useApi<{ runs?: HuntRun[] }>('/api/v1/hunts?limit=100');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const huntAll = (): void => {
    setError(undefined);
    setBusy(true);
    api('POST', '/api/v1/hunts', {}).then(
      (body) => {
        setBusy(false);
        const runId = (body['hunt'] as { runId?: unknown } | undefined)?.runId;
        if (typeof runId === 'number') navigate(`/hunts/${runId}`);
        else list.reload();
      },
      (caught: unknown) => {
        setBusy(false);
        setError(caught);
      },
    );
  };

  const runs = list.data?.runs ?? [];
  return (
    <section>
      <h1>Retro-hunts</h1>
      <p className="muted">New indicators are hunted in the message log (within retention) as they arrive; a hunt lists, per organization, the messages that reached mailboxes.</p>
      {can('intel:write') && (
        <p>
          <button type="button" onClick={huntAll} disabled={busy}>
            {busy ? 'Hunting…' : 'Hunt now (every active indicator)'}
          </button>
        </p>
      )}
      <ErrorBox error={error ?? list.error} />
      {list.data !== undefined && runs.length === 0 && <p className="muted">No hunts yet.</p>}
      {runs.length > 0 && (
        <table className="list" aria-label="Retro-hunts">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Started</th>
              <th scope="col">Trigger</th>
              <th scope="col">By</th>
              <th scope="col" className="num">
                Indicators
              </th>
              <th scope="col" className="num">
                Messages
              </th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id}>
                <th scope="row">
                  <Link to={`/hunts/${r.id}`}>#{r.id}</Link>
                </th>
                <td className="nowrap">{formatTime(r.startedAt)}</td>
                <td>{r.trigger}</td>
                <td>{r.requestedBy}</td>
                <td className="num">{r.indicators}</td>
                <td className="num">{r.messages}</td>
                <td>{stateOf(r)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function MessageRows({ messages, delivered }: { readonly messages: readonly HuntMessage[]; readonly delivered: boolean }): ReactNode {
  return (
    <>
      {messages.map((m) => (
        <tr key={m.queueId}>
          <th scope="row">
            <Link to={`/messages/${encodeURIComponent(m.queueId)}`}>
              <code>{m.queueId}</code>
            </Link>
          </th>
          <td className="nowrap">{formatTime(m.receivedAt)}</td>
          <td className={delivered ? 'hunt-delivered' : undefined}>{m.status}</td>
          <td>
            {m.indicators.map((i, n) => (
              <span key={n}>
                {n > 0 && ', '}
                {i.type} <code>{i.value}</code> ({i.field})
              </span>
            ))}
          </td>
        </tr>
      ))}
    </>
  );
}

export function HuntPage({ id }: { readonly id: string }): ReactNode {
  const { data, error, loading } = useApi<{ run: HuntRun; summary?: HuntSummary; organizations: HuntOrganization[] }>(`/api/v1/hunts/${encodeURIComponent(id)}`);
  const summary = data?.summary;
  // Every message the run found (recorded by it or an earlier run), from its summary, by organization.
  const found = summary?.byOrganization ?? [];
  return (
    <section>
      <p className="crumbs">
        <Link to="/hunts">Retro-hunts</Link> / <span>#{id}</span>
      </p>
      <h1>Retro-hunt #{id}</h1>
      <ErrorBox error={error} />
      {loading && <p className="muted">Loading…</p>}
      {data !== undefined && (
        <>
          <p>
            {formatTime(data.run.startedAt)}, {data.run.trigger} by {data.run.requestedBy}: {data.run.indicators} indicator(s), {data.run.messages} message(s) found
            {summary?.since !== undefined && <> since {formatTime(summary.since)}</>}. {stateOf(data.run)}
          </p>
          {(summary?.notHuntable ?? []).map((n) => (
            <p key={n.type} className="muted">
              {n.type}: {n.count} {n.reason}
            </p>
          ))}
          {found.length > 0 && (
            <table className="list" aria-label="Found per organization">
              <thead>
                <tr>
                  <th scope="col">Organization</th>
                  <th scope="col" className="num">
                    Delivered
                  </th>
                  <th scope="col" className="num">
                    Blocked
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...found]
                  .sort((a, b) => b.delivered.length - a.delivered.length)
                  .map((o) => (
                    <tr key={o.name}>
                      <th scope="row">{o.name}</th>
                      <td className={o.delivered.length > 0 ? 'num hunt-delivered' : 'num'}>{o.delivered.length}</td>
                      <td className="num">{o.blocked.length}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}
          {data.organizations.length === 0 && <p className="muted">This run recorded no new match{data.run.messages > 0 ? ' (the messages it found were recorded by an earlier run)' : ''}.</p>}
          {data.organizations.map((o) => (
            <div key={o.organizationId} className="hunt-org">
              <h2>
                {o.name}: {o.delivered.length} delivered, {o.blocked.length} blocked
              </h2>
              <table className="list" aria-label={`Messages of ${o.name}`}>
                <thead>
                  <tr>
                    <th scope="col">Message</th>
                    <th scope="col">Received</th>
                    <th scope="col">Status</th>
                    <th scope="col">Indicators</th>
                  </tr>
                </thead>
                <tbody>
                  <MessageRows messages={o.delivered} delivered />
                  <MessageRows messages={o.blocked} delivered={false} />
                </tbody>
              </table>
            </div>
          ))}
        </>
      )}
    </section>
  );
}
