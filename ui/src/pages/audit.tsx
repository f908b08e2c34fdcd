/** The audit log: filters in the query string, a table, and the same filters as a CSV download. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { queryString } from '../api';
import { ErrorBox, formatTime, fromLocalInput, text, toLocalInput, useApi } from '../format';
import { navigate, useLocation } from '../router';

interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target?: string | null;
  readonly organizationId?: number | null;
  readonly ip?: string | null;
  readonly outcome: string;
  readonly detail?: unknown;
}

const KEYS = ['actor', 'action', 'from', 'to'] as const;

export function AuditPage(): ReactNode {
  const { query } = useLocation();
  const filters: Record<string, string> = {};
  for (const key of KEYS) {
    const value = query.get(key);
    if (value !== null && value !== '') filters[key] = value;
  }
  const search = queryString(filters);
  const result = useApi<{ entries: AuditEntry[] }>(`/api/v1/audit${search}`);
  return (
    <section>
      <h1>Audit log</h1>
      <AuditFilters key={search} filters={filters} />
      <p>
        <a href={`/api/v1/audit.csv${search}`} download>
          Export as CSV
        </a>
      </p>
      <ErrorBox error={result.error} />
      {result.data !== undefined && (
        <table className="list" aria-label="Audit entries">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">From</th>
              <th scope="col">Outcome</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {result.data.entries.map((e) => (
              <tr key={e.id}>
                <td className="nowrap">{formatTime(e.at)}</td>
                <td>{e.actor}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td className="clip">{text(e.target)}</td>
                <td>{text(e.ip)}</td>
                <td>{e.outcome}</td>
                <td className="clip" title={text(e.detail)}>
                  {text(e.detail)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AuditFilters({ filters }: { readonly filters: Readonly<Record<string, string>> }): ReactNode {
  const [actor, setActor] = useState(filters['actor'] ?? '');
  const [action, setAction] = useState(filters['action'] ?? '');
  const [from, setFrom] = useState(toLocalInput(filters['from'] ?? null));
  const [to, setTo] = useState(toLocalInput(filters['to'] ?? null));
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    navigate(`/audit${queryString({ actor: actor.trim(), action: action.trim(), from: fromLocalInput(from), to: fromLocalInput(to) })}`);
  };
  return (
    <form className="search" onSubmit={submit} aria-label="Filter the audit log">
      <div className="fields">
        <label>
          Actor
          <input name="actor" value={actor} onChange={(e) => setActor(e.target.value)} />
        </label>
        <label>
          Action
          <input name="action" placeholder="quarantine.release" value={action} onChange={(e) => setAction(e.target.value)} />
        </label>
        <label>
          From
          <input name="from" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          To
          <input name="to" type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </div>
      <div className="buttons">
        <button type="submit" className="primary">
          Filter
        </button>
      </div>
    </form>
  );
}
