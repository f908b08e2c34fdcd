/** Small display helpers and shared components: dates, error boxes, key/value tables, organization names. */
import { useEffect, useState, type ReactNode } from 'react';
import { api, describeError } from './api';

/** An ISO timestamp in the browser's locale; the raw text when it does not parse. */
export function formatTime(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '';
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? value : time.toLocaleString();
}

/** Any API value as a string for a table cell: text stays text, objects become JSON. */
export function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** `<input type="datetime-local">` value for an ISO time (local clock), '' when absent. */
export function toLocalInput(iso: string | null): string {
  if (iso === null || iso === '') return '';
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return '';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}T${pad(time.getHours())}:${pad(time.getMinutes())}`;
}

/** ISO time for a datetime-local value, undefined when empty. */
export function fromLocalInput(value: string): string | undefined {
  if (value === '') return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

export function ErrorBox({ error }: { readonly error: unknown }): ReactNode {
  if (error === undefined || error === null) return null;
  return (
    <p className="error" role="alert">
      {describeError(error)}
    </p>
  );
}

/** A two-column table of labels and values (values rendered as text). */
export function KeyValues({ rows }: { readonly rows: ReadonlyArray<readonly [string, ReactNode]> }): ReactNode {
  return (
    <table className="kv">
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface Organization {
  readonly id: number;
  readonly name: string;
  readonly domains: readonly string[];
}

/** The organizations the user may see (empty when the API refuses: the filter is then hidden). */
export function useOrganizations(enabled: boolean): readonly Organization[] {
  const [organizations, setOrganizations] = useState<readonly Organization[]>([]);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    api<{ organizations?: Organization[] }>('GET', '/api/v1/organizations').then(
      (body) => {
        if (live) setOrganizations(body.organizations ?? []);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [enabled]);
  return organizations;
}

/** Loads `path` whenever it changes; `reload()` fetches again. */
export function useApi<T>(path: string | undefined): { data: T | undefined; error: unknown; loading: boolean; reload(): void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: path !== undefined });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === undefined) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>('GET', path).then(
      (data) => {
        if (live) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (live) setState({ data: undefined, error, loading: false });
      },
    );
    return () => {
      live = false;
    };
  }, [path, generation]);
  return { ...state, reload: () => setGeneration((g) => g + 1) };
}
