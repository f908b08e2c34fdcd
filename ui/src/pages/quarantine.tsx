/**
 * The quarantine list: filter by state and organization (in the query
 * string), tick rows, and release, delete or confirm them in one request
 * (POST /api/v1/quarantine/bulk); each row answers for itself.
 */
import { useState, type ReactNode } from 'react';
import { api, describeError, queryString } from '../api';
import { ErrorBox, formatTime, useApi, useOrganizations } from '../format';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';
import type { MessageSummary } from './messages';

interface QuarantineEntry {
  readonly queueId: string;
  readonly organizationId: number;
  readonly size: number;
  readonly reason: string;
  readonly quarantinedAt: string;
  readonly state: string;
}

type BulkAction = 'release' | 'delete' | 'confirm';
const ACTION_LABEL: Readonly<Record<BulkAction, string>> = { release: 'Release', delete: 'Delete', confirm: 'Confirm junk' };

export function QuarantinePage(): ReactNode {
  const { query } = useLocation();
  const { installationWide, can } = useSession();
  const organizations = useOrganizations(installationWide && can('organizations:read'));
  const state = query.get('state') ?? 'held';
  const organizationId = query.get('organizationId') ?? '';
  const list = useApi<{ entries: QuarantineEntry[] }>(`/api/v1/quarantine${queryString({ state, organizationId })}`);
  // Subjects and senders come from the message log; the quarantine index keeps only the hold.
  const log = useApi<{ messages: MessageSummary[] }>(`/api/v1/messages${queryString({ action: 'quarantine', organizationId, limit: '1000' })}`);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [outcome, setOutcome] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const entries = list.data?.entries ?? [];
  const byId = new Map((log.data?.messages ?? []).map((m) => [m.queueId, m]));
  const filter = (next: Record<string, string>): void => {
    setSelected(new Set());
    navigate(`/quarantine${queryString({ state, organizationId, ...next })}`);
  };
  const toggle = (queueId: string): void =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(queueId)) next.delete(queueId);
      else next.add(queueId);
      return next;
    });
  const allSelected = entries.length > 0 && entries.every((e) => selected.has(e.queueId));

  const bulk = async (action: BulkAction): Promise<void> => {
    const queueIds = entries.map((e) => e.queueId).filter((id) => selected.has(id));
    if (queueIds.length === 0) return;
    if (action !== 'release' && !window.confirm(`${ACTION_LABEL[action]} ${queueIds.length} message(s)? This cannot be undone.`)) return;
    setBusy(true);
    setError(undefined);
    try {
      const body = await api<{ results: Array<{ queueId: string; ok: boolean; message?: string }> }>('POST', '/api/v1/quarantine/bulk', { action, queueIds });
      const failed = body.results.filter((r) => !r.ok);
      setOutcome(
        `${ACTION_LABEL[action]}: ${body.results.length - failed.length} done` +
          (failed.length === 0 ? '.' : `, ${failed.length} refused (${failed.map((f) => `${f.queueId}: ${f.message ?? 'error'}`).join('; ')}).`),
      );
      setSelected(new Set());
      list.reload();
    } catch (caught) {
      setError(caught);
      setOutcome(undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Quarantine</h1>
      <div className="toolbar" role="group" aria-label="Filters">
        <label>
          State
          <select name="state" value={state} onChange={(e) => filter({ state: e.target.value })}>
            <option value="held">held</option>
            <option value="released">released</option>
            <option value="deleted">deleted</option>
          </select>
        </label>
        {organizations.length > 0 && (
          <label>
            Organization
            <select name="organizationId" value={organizationId} onChange={(e) => filter({ organizationId: e.target.value })}>
              <option value="">all</option>
              {organizations.map((o) => (
                <option key={o.id} value={String(o.id)}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {can('quarantine:act') && state === 'held' && (
          <span className="actions">
            {(['release', 'delete', 'confirm'] as const).map((action) => (
              <button key={action} type="button" className={action === 'release' ? 'primary' : action === 'delete' ? 'danger' : ''} disabled={busy || selected.size === 0} onClick={() => void bulk(action)}>
                {ACTION_LABEL[action]} selected ({selected.size})
              </button>
            ))}
          </span>
        )}
      </div>
      {outcome !== undefined && (
        <p className="notice" role="status">
          {outcome}
        </p>
      )}
      <ErrorBox error={error ?? list.error} />
      {list.loading && <p className="muted">Loading…</p>}
      {list.data !== undefined && entries.length === 0 && <p className="muted">Nothing here.</p>}
      {entries.length > 0 && (
        <table className="list" aria-label="Quarantined messages">
          <thead>
            <tr>
              <th scope="col" className="check">
                <input
                  type="checkbox"
                  aria-label="Select all"
                  checked={allSelected}
                  onChange={() => setSelected(allSelected ? new Set() : new Set(entries.map((e) => e.queueId)))}
                />
              </th>
              <th scope="col">Held</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Subject</th>
              <th scope="col">Reason</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => {
              const m = byId.get(e.queueId);
              return (
                <tr key={e.queueId} className={selected.has(e.queueId) ? 'selected' : undefined}>
                  <td className="check">
                    <input type="checkbox" aria-label={`Select ${e.queueId}`} checked={selected.has(e.queueId)} onChange={() => toggle(e.queueId)} />
                  </td>
                  <td className="nowrap">
                    <Link to={`/quarantine/${encodeURIComponent(e.queueId)}`}>{formatTime(e.quarantinedAt)}</Link>
                  </td>
                  <td className="clip">{m === undefined ? '' : m.mailFrom}</td>
                  <td className="clip">{m === undefined ? '' : m.recipients.join(', ')}</td>
                  <td className="clip">
                    <Link to={`/quarantine/${encodeURIComponent(e.queueId)}`}>{m?.subject ?? e.queueId}</Link>
                  </td>
                  <td className="clip">{e.reason}</td>
                  <td className="num">{e.size}</td>
                  <td>{e.state}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {log.error !== undefined && <p className="muted">Senders and subjects unavailable: {describeError(log.error)}</p>}
    </section>
  );
}
