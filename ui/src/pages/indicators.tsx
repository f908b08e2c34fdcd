/**
 * Indicators of compromise kept in the database: a filtered list (filters in
 * the query string), and for intel:write an Expire button per row, an "Add
 * indicator" form and an import of any feed format (CSV, STIX 2.1 bundle,
 * MISP events, plain list). The API normalises and validates; the page shows
 * what it refused (by line, or by object for STIX/MISP) as text, never as markup.
 */
import { useState, type ChangeEvent, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, queryString } from '../api';
import { ErrorBox, formatTime, useApi } from '../format';
import { Link, navigate, useLocation } from '../router';
import { useSession } from '../session';

interface Indicator {
  readonly id: number;
  readonly type: string;
  readonly value: string;
  readonly source: string;
  readonly confidence: number;
  readonly severity: string;
  readonly description?: string;
  readonly actor?: string;
  readonly campaign?: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly expiresAt?: string;
  readonly active: boolean;
}

interface Rejection {
  readonly index?: number;
  readonly line?: number;
  readonly reason: string;
}

/** A STIX object or MISP attribute not loaded (its id when it has one). */
interface FeedProblem {
  readonly object?: string;
  readonly reason: string;
}

/** What an add or an import answered (a 400 carries the same fields, with `message` saying why nothing was stored). */
interface WriteOutcome {
  readonly added: number;
  readonly updated: number;
  readonly rejected: readonly Rejection[];
  readonly rejectedTruncated: boolean;
  readonly problems: readonly FeedProblem[];
  readonly problemsTruncated: boolean;
  readonly refused?: string;
}

/** The types and severities the API's schema accepts (src/web/api/indicators.ts). */
const TYPES = ['domain', 'email', 'ipv4', 'ipv6', 'url', 'sha256', 'sha1', 'md5', 'subject', 'filename'] as const;
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
const FILTER_KEYS = ['type', 'source', 'search', 'active'] as const;
/** One page of the list; older ones through "Older indicators" (beforeId). */
const PAGE_SIZE = 100;
/** A file read in the browser: the API's import limit is 8 MiB. */
const MAX_IMPORT_BYTES = 8 * 1024 * 1024;
/** Import formats and the media type each is sent as (the API tells STIX from MISP by the JSON itself). */
const FORMATS = { csv: 'text/csv', json: 'application/json', list: 'text/plain' } as const;
type ImportFormat = keyof typeof FORMATS;
const CSV_HEADER = 'type,value,source,confidence,severity,expires,description,actor,campaign,first_seen,last_seen';

/** Reads an add/import answer (or the body of a refused one) defensively. */
function toOutcome(body: Record<string, unknown>, refused?: string): WriteOutcome {
  const rejected = Array.isArray(body['rejected']) ? (body['rejected'] as Rejection[]) : [];
  const problems = Array.isArray(body['problems']) ? (body['problems'] as FeedProblem[]) : [];
  return {
    added: typeof body['added'] === 'number' ? body['added'] : 0,
    updated: typeof body['updated'] === 'number' ? body['updated'] : 0,
    rejected,
    rejectedTruncated: body['rejectedTruncated'] === true,
    problems,
    problemsTruncated: body['problemsTruncated'] === true,
    ...(refused === undefined ? {} : { refused }),
  };
}

/** Runs an add or an import: a 400 that lists rejections is an outcome to show, anything else an error. */
async function write(work: () => Promise<Record<string, unknown>>): Promise<WriteOutcome> {
  try {
    return toOutcome(await work());
  } catch (error) {
    if (error instanceof ApiError && error.status === 400 && Array.isArray(error.body['rejected'])) return toOutcome(error.body, error.message);
    throw error;
  }
}

/** The format of a file by its name, else by its content: JSON opens with "{" or "[", a CSV with the type,value header. */
function guessFormat(name: string, text: string): ImportFormat {
  const lower = name.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.txt') || lower.endsWith('.list')) return 'list';
  const start = text.trimStart();
  if (start.startsWith('{') || start.startsWith('[')) return 'json';
  const header = (start.split('\n', 1)[0] ?? '').toLowerCase();
  return header.includes(',') && header.includes('type') && header.includes('value') ? 'csv' : 'list';
}

/** The end of the chosen day in the browser's clock, so an indicator "expiring on" a date still applies that day. */
function endOfDay(date: string): string | undefined {
  if (date === '') return undefined;
  const time = new Date(`${date}T23:59:59`);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

export function IndicatorsPage(): ReactNode {
  const { query } = useLocation();
  const { can } = useSession();
  const writable = can('intel:write');
  const filters: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = query.get(key);
    if (value !== null && value !== '') filters[key] = value;
  }
  const beforeId = query.get('beforeId') ?? undefined;
  const search = queryString({ ...filters, beforeId, limit: String(PAGE_SIZE) });
  const list = useApi<{ indicators?: Indicator[]; nextBeforeId?: number }>(`/api/v1/indicators${search}`);
  const [error, setError] = useState<unknown>();

  const expire = (indicator: Indicator): void => {
    if (!window.confirm(`Expire the ${indicator.type} indicator ${indicator.value}? Mail is no longer matched against it.`)) return;
    setError(undefined);
    api('POST', `/api/v1/indicators/${indicator.id}/expire`).then(
      () => list.reload(),
      (caught: unknown) => setError(caught),
    );
  };

  // A retro-hunt for this one indicator; the answer opens its run.
  const hunt = (indicator: Indicator): void => {
    setError(undefined);
    api('POST', '/api/v1/hunts', { indicatorIds: [indicator.id] }).then(
      (body) => {
        const runId = (body['hunt'] as { runId?: unknown } | undefined)?.runId;
        if (typeof runId === 'number') navigate(`/hunts/${runId}`);
      },
      (caught: unknown) => setError(caught),
    );
  };

  const indicators = list.data?.indicators ?? [];
  const next = list.data?.nextBeforeId;
  return (
    <section>
      <h1>Indicators</h1>
      <IndicatorFilters key={queryString(filters)} filters={filters} />
      <ErrorBox error={error ?? list.error} />
      {list.data !== undefined && indicators.length === 0 && <p className="muted">No indicators match.</p>}
      {indicators.length > 0 && (
        <table className="list" aria-label="Indicators">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Value</th>
              <th scope="col">Source</th>
              <th scope="col" className="num">
                Confidence
              </th>
              <th scope="col">Severity</th>
              <th scope="col">Actor / campaign</th>
              <th scope="col">First seen</th>
              <th scope="col">Last seen</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
              {writable && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {indicators.map((i) => (
              <tr key={i.id} className={i.active ? undefined : 'expired'}>
                <td>{i.type}</td>
                <th scope="row" className="hash" title={i.description ?? i.value}>
                  <code>{i.value}</code>
                </th>
                <td>{i.source}</td>
                <td className="num">{i.confidence}</td>
                <td>
                  <span className={`badge severity-${i.severity}`}>{i.severity}</span>
                </td>
                <td>{[i.actor, i.campaign].filter((part) => part !== undefined && part !== '').join(' / ')}</td>
                <td className="nowrap">{formatTime(i.firstSeen)}</td>
                <td className="nowrap">{formatTime(i.lastSeen)}</td>
                <td className="nowrap">{i.expiresAt === undefined ? 'never' : formatTime(i.expiresAt)}</td>
                <td>{i.active ? 'active' : 'expired'}</td>
                {writable && (
                  <td className="row-actions">
                    {i.active && (
                      <button type="button" aria-label={`Expire ${i.value}`} onClick={() => expire(i)}>
                        Expire
                      </button>
                    )}{' '}
                    <button type="button" aria-label={`Hunt ${i.value}`} onClick={() => hunt(i)}>
                      Hunt now
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(next !== undefined || beforeId !== undefined) && (
        <p>
          {beforeId !== undefined && <Link to={`/indicators${queryString(filters)}`}>Newest indicators</Link>}{' '}
          {next !== undefined && <Link to={`/indicators${queryString({ ...filters, beforeId: String(next) })}`}>Older indicators</Link>}
        </p>
      )}
      {writable && (
        <div className="columns indicator-forms">
          <AddIndicator onChanged={list.reload} />
          <ImportFeed onChanged={list.reload} />
        </div>
      )}
    </section>
  );
}

function IndicatorFilters({ filters }: { readonly filters: Readonly<Record<string, string>> }): ReactNode {
  const [type, setType] = useState(filters['type'] ?? '');
  const [source, setSource] = useState(filters['source'] ?? '');
  const [search, setSearch] = useState(filters['search'] ?? '');
  const [active, setActive] = useState(filters['active'] ?? '');
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    navigate(`/indicators${queryString({ type, source: source.trim(), search: search.trim(), active })}`);
  };
  return (
    <form className="search" onSubmit={submit} aria-label="Filter the indicators">
      <div className="fields">
        <label>
          Type
          <select name="type" value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">any</option>
            {TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Source
          <input name="source" maxLength={200} value={source} onChange={(e) => setSource(e.target.value)} />
        </label>
        <label>
          Value contains
          <input name="search" type="search" maxLength={200} value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <label>
          State
          <select name="active" value={active} onChange={(e) => setActive(e.target.value)}>
            <option value="">any</option>
            <option value="true">active</option>
            <option value="false">expired</option>
          </select>
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

/** The counts and the refused entries of an add or an import, as a status line and a list. */
function OutcomeReport({ outcome, label, testId }: { readonly outcome: WriteOutcome; readonly label: (r: Rejection) => string; readonly testId: string }): ReactNode {
  return (
    <div className={outcome.refused === undefined ? 'notice' : 'error'} role="status" data-testid={testId}>
      <p>
        {outcome.refused === undefined ? '' : `${outcome.refused}. `}
        Added {outcome.added}, updated {outcome.updated}, rejected {outcome.rejected.length}
        {outcome.rejectedTruncated ? ' (and more not listed)' : ''}.
        {outcome.problems.length > 0 && ` Not loaded: ${outcome.problems.length}${outcome.problemsTruncated ? ' (and more not listed)' : ''}.`}
      </p>
      {outcome.rejected.length > 0 && (
        <ul aria-label="Rejected">
          {outcome.rejected.map((r, n) => (
            <li key={n}>
              {label(r)}: {r.reason}
            </li>
          ))}
        </ul>
      )}
      {outcome.problems.length > 0 && (
        <ul aria-label="Not loaded">
          {outcome.problems.map((p, n) => (
            <li key={n}>
              {p.object === undefined ? '' : `${p.object}: `}
              {p.reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function AddIndicator({ onChanged }: { readonly onChanged: () => void }): ReactNode {
  const [type, setType] = useState<string>('domain');
  const [value, setValue] = useState('');
  const [source, setSource] = useState('');
  const [confidence, setConfidence] = useState('');
  const [severity, setSeverity] = useState('');
  const [expires, setExpires] = useState('');
  const [description, setDescription] = useState('');
  const [actor, setActor] = useState('');
  const [campaign, setCampaign] = useState('');
  const [outcome, setOutcome] = useState<WriteOutcome | undefined>();
  const [error, setError] = useState<unknown>();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setError(undefined);
    setOutcome(undefined);
    const expiresAt = endOfDay(expires);
    // Empty fields are left out so the API applies its defaults (source "manual", its confidence and severity).
    const indicator = {
      type,
      value: value.trim(),
      ...(source.trim() === '' ? {} : { source: source.trim() }),
      ...(confidence === '' ? {} : { confidence: Number(confidence) }),
      ...(severity === '' ? {} : { severity }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
      ...(description.trim() === '' ? {} : { description: description.trim() }),
      ...(actor.trim() === '' ? {} : { actor: actor.trim() }),
      ...(campaign.trim() === '' ? {} : { campaign: campaign.trim() }),
    };
    write(() => api('POST', '/api/v1/indicators', { indicators: [indicator] })).then(
      (result) => {
        setOutcome(result);
        if (result.added + result.updated > 0) {
          setValue('');
          setDescription('');
          onChanged();
        }
      },
      (caught: unknown) => setError(caught),
    );
  };

  return (
    <form className="panel stack" onSubmit={submit} aria-label="Add indicator">
      <h2>Add indicator</h2>
      <label>
        Type
        <select name="type" value={type} onChange={(e) => setType(e.target.value)}>
          {TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <label>
        Value
        <input name="value" required maxLength={4096} value={value} onChange={(e) => setValue(e.target.value)} />
      </label>
      <label>
        Source
        <input name="source" placeholder="manual" maxLength={200} value={source} onChange={(e) => setSource(e.target.value)} />
      </label>
      <label>
        Confidence (0–100)
        <input name="confidence" type="number" min={0} max={100} step={1} value={confidence} onChange={(e) => setConfidence(e.target.value)} />
      </label>
      <label>
        Severity
        <select name="severity" value={severity} onChange={(e) => setSeverity(e.target.value)}>
          <option value="">default</option>
          {SEVERITIES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <label>
        Expires on
        <input name="expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
      </label>
      <label>
        Description
        <input name="description" maxLength={1000} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label>
        Actor
        <input name="actor" maxLength={200} value={actor} onChange={(e) => setActor(e.target.value)} />
      </label>
      <label>
        Campaign
        <input name="campaign" maxLength={200} value={campaign} onChange={(e) => setCampaign(e.target.value)} />
      </label>
      <div className="buttons">
        <button type="submit" className="primary">
          Add indicator
        </button>
      </div>
      <ErrorBox error={error} />
      {outcome !== undefined && <OutcomeReport outcome={outcome} testId="add-outcome" label={() => 'Refused'} />}
    </form>
  );
}

function ImportFeed({ onChanged }: { readonly onChanged: () => void }): ReactNode {
  const [text, setText] = useState('');
  const [format, setFormat] = useState<ImportFormat>('csv');
  const [listType, setListType] = useState('');
  const [source, setSource] = useState('');
  const [outcome, setOutcome] = useState<WriteOutcome | undefined>();
  const [error, setError] = useState<unknown>();

  // The file is read here, as text, and shown in the text area: what is sent is what the user sees.
  const pick = (event: ChangeEvent<HTMLInputElement>): void => {
    const file = event.target.files?.[0];
    setError(undefined);
    if (file === undefined) return;
    if (file.size > MAX_IMPORT_BYTES) {
      setError(new Error(`${file.name} is over 8 MiB; split it, or import it with moat intel import`));
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      const content = typeof reader.result === 'string' ? reader.result : '';
      setText(content);
      setFormat(guessFormat(file.name, content));
    };
    reader.onerror = () => setError(new Error(`could not read ${file.name}`));
    reader.readAsText(file);
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setError(undefined);
    setOutcome(undefined);
    const path = `/api/v1/indicators/import${queryString({ source: source.trim(), type: format === 'list' ? listType : '' })}`;
    write(() => api('POST', path, text, { contentType: FORMATS[format] })).then(
      (result) => {
        setOutcome(result);
        if (result.added + result.updated > 0) onChanged();
      },
      (caught: unknown) => setError(caught),
    );
  };

  return (
    <form className="panel stack" onSubmit={submit} aria-label="Import indicators">
      <h2>Import indicators</h2>
      <p className="muted">
        A CSV with the header <code>{CSV_HEADER}</code> (the last four optional; <code>expires</code> ISO 8601 or empty), a STIX 2.1 bundle or MISP
        events (JSON), or a plain list of one value per line. The format follows the file&apos;s name or content.
      </p>
      <label>
        File
        <input name="file" type="file" accept=".csv,.json,.txt,.list,text/csv,application/json,text/plain" onChange={pick} />
      </label>
      <label>
        Format
        <select name="format" value={format} onChange={(e) => setFormat(e.target.value as ImportFormat)}>
          <option value="csv">CSV</option>
          <option value="json">STIX 2.1 bundle or MISP events (JSON)</option>
          <option value="list">Plain list</option>
        </select>
      </label>
      {format === 'list' && (
        <label>
          Type of the values
          <select name="listType" value={listType} onChange={(e) => setListType(e.target.value)}>
            <option value="">inferred per value</option>
            {TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
      )}
      <label>
        Content
        <textarea name="text" className="code" required spellCheck={false} rows={10} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <label>
        Source for indicators without one
        <input name="source" placeholder="import" maxLength={200} value={source} onChange={(e) => setSource(e.target.value)} />
      </label>
      <div className="buttons">
        <button type="submit" className="primary" disabled={text.trim() === ''}>
          Import
        </button>
      </div>
      <ErrorBox error={error} />
      {outcome !== undefined && <OutcomeReport outcome={outcome} testId="import-outcome" label={(r) => (r.line === undefined ? 'Line ?' : `Line ${r.line}`)} />}
    </form>
  );
}
