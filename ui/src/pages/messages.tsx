/**
 * Message trace: the search form mirrors GET /api/v1/messages; the criteria
 * live in the query string (/messages?sender=...&since=...), so a search is
 * a link. Submitting the form navigates; the page searches whatever the
 * URL says.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { queryString } from '../api';
import { ErrorBox, formatTime, fromLocalInput, toLocalInput, useApi, useOrganizations } from '../format';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';

const TEXT_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['sender', 'Sender'],
  ['recipient', 'Recipient'],
  ['subject', 'Subject'],
  ['queueId', 'Queue id'],
  ['messageId', 'Message-ID'],
  ['clientIp', 'Client IP'],
  ['sha256', 'SHA-256'],
  ['attachmentName', 'Attachment name'],
  ['urlDomain', 'URL domain'],
];
const ACTIONS = ['deliver', 'tag', 'quarantine', 'reject', 'defer'];
const STATUSES = ['queued', 'delivered', 'partially-delivered', 'bounced', 'quarantined', 'rejected', 'deferred', 'released', 'deleted'];
const ALL_KEYS = [...TEXT_FIELDS.map(([key]) => key), 'since', 'until', 'action', 'status', 'organizationId'];

export interface MessageSummary {
  readonly queueId: string;
  readonly receivedAt: string;
  readonly mailFrom: string;
  readonly headerFrom?: string;
  readonly recipients: readonly string[];
  readonly subject?: string;
  readonly action: string;
  readonly score: number;
  readonly status: string;
}

export function MessagesPage(): ReactNode {
  const { query } = useLocation();
  const { installationWide, can } = useSession();
  const organizations = useOrganizations(installationWide && can('organizations:read'));
  const criteria: Record<string, string> = {};
  for (const key of ALL_KEYS) {
    const value = query.get(key);
    if (value !== null && value !== '') criteria[key] = value;
  }
  const path = `/api/v1/messages${queryString(criteria)}`;
  const result = useApi<{ messages: MessageSummary[] }>(path);
  // The form is keyed by the URL: going back restores what that search said.
  return (
    <section>
      <h1>Messages</h1>
      <SearchForm key={path} criteria={criteria} organizations={organizations} />
      <ErrorBox error={result.error} />
      {result.loading && <p className="muted">Searching…</p>}
      {result.data !== undefined && <MessageTable messages={result.data.messages} />}
    </section>
  );
}

function SearchForm({ criteria, organizations }: { readonly criteria: Readonly<Record<string, string>>; readonly organizations: ReadonlyArray<{ id: number; name: string }> }): ReactNode {
  const [values, setValues] = useState<Record<string, string>>(() => ({
    ...criteria,
    since: toLocalInput(criteria['since'] ?? null),
    until: toLocalInput(criteria['until'] ?? null),
  }));
  const set = (key: string, value: string): void => setValues((v) => ({ ...v, [key]: value }));
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const trimmed: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(values)) trimmed[key] = value.trim();
    trimmed['since'] = fromLocalInput(values['since'] ?? '');
    trimmed['until'] = fromLocalInput(values['until'] ?? '');
    navigate(`/messages${queryString(trimmed)}`);
  };
  return (
    <form className="search" onSubmit={submit} aria-label="Search messages">
      <div className="fields">
        {TEXT_FIELDS.map(([key, label]) => (
          <label key={key}>
            {label}
            <input name={key} value={values[key] ?? ''} onChange={(e) => set(key, e.target.value)} />
          </label>
        ))}
        <label>
          From
          <input name="since" type="datetime-local" value={values['since'] ?? ''} onChange={(e) => set('since', e.target.value)} />
        </label>
        <label>
          Until
          <input name="until" type="datetime-local" value={values['until'] ?? ''} onChange={(e) => set('until', e.target.value)} />
        </label>
        <label>
          Action
          <select name="action" value={values['action'] ?? ''} onChange={(e) => set('action', e.target.value)}>
            <option value="">any</option>
            {ACTIONS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select name="status" value={values['status'] ?? ''} onChange={(e) => set('status', e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        {organizations.length > 0 && (
          <label>
            Organization
            <select name="organizationId" value={values['organizationId'] ?? ''} onChange={(e) => set('organizationId', e.target.value)}>
              <option value="">all</option>
              {organizations.map((o) => (
                <option key={o.id} value={String(o.id)}>
                  {o.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <div className="buttons">
        <button type="submit" className="primary">
          Search
        </button>
        <button type="button" onClick={() => navigate('/messages')}>
          Clear
        </button>
      </div>
    </form>
  );
}

function MessageTable({ messages }: { readonly messages: readonly MessageSummary[] }): ReactNode {
  if (messages.length === 0) return <p className="muted">No messages match.</p>;
  return (
    <table className="list" aria-label="Messages">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">From</th>
          <th scope="col">To</th>
          <th scope="col">Subject</th>
          <th scope="col">Action</th>
          <th scope="col" className="num">
            Score
          </th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {messages.map((m) => (
          <tr key={m.queueId}>
            <td className="nowrap">
              <Link to={`/messages/${encodeURIComponent(m.queueId)}`}>{formatTime(m.receivedAt)}</Link>
            </td>
            <td className="clip" title={m.mailFrom}>
              {m.mailFrom === '' ? '<>' : m.mailFrom}
            </td>
            <td className="clip">{m.recipients.join(', ')}</td>
            <td className="clip">
              <Link to={`/messages/${encodeURIComponent(m.queueId)}`}>{m.subject ?? '(no subject)'}</Link>
            </td>
            <td>
              <span className={`badge action-${m.action}`}>{m.action}</span>
            </td>
            <td className="num">{m.score}</td>
            <td>{m.status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
