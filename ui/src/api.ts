/**
 * The admin API as the UI calls it: same-origin fetch with the session
 * cookie, the CSRF token on every state-changing request, and one error type
 * that carries the API's status, message and any extra fields (`issues`,
 * `totpRequired`). Every value that comes back is data to show as text.
 */

/** What a refused request said: `body` keeps fields such as `issues` or `totpRequired`. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;

  constructor(status: number, message: string, body: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

/** Remembers the session's CSRF token (from sign-in or GET /api/v1/session). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when the API says the session is over (401), so the app can show the sign-in page. */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How a request body is sent: JSON unless `contentType` names a text type (a CSV import), then the string as it is. */
export interface ApiBodyOptions {
  readonly contentType?: string;
}

/** Calls the API; resolves with the JSON body, rejects with an ApiError for any non-2xx answer. */
export async function api<T = Record<string, unknown>>(method: Method, path: string, body?: unknown, options: ApiBodyOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const raw = options.contentType !== undefined && typeof body === 'string' ? body : undefined;
  if (body !== undefined) headers['content-type'] = raw !== undefined ? (options.contentType ?? 'text/plain') : 'application/json';
  if (method !== 'GET' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: raw ?? JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    json = { message: text.slice(0, 200) };
  }
  const record = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  if (!response.ok) {
    const message = typeof record['message'] === 'string' ? record['message'] : `HTTP ${response.status}`;
    if (response.status === 401 && path !== '/api/v1/session') onUnauthorized?.();
    throw new ApiError(response.status, message, record);
  }
  // The API's JSON shapes are documented per route; the pages read them defensively.
  return record as T;
}

/** A query string from the non-empty entries of `params` (`?a=1&b=2`, or '' when none). */
export function queryString(params: Readonly<Record<string, string | undefined>>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** A short, human message for any error a page catches. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (HTTP ${error.status})`;
  return error instanceof Error ? error.message : String(error);
}
