/**
 * TAXII 2.1 client: reads one page of a collection's objects
 * (`GET <collection>/objects/?added_after=&limit=&next=`, TAXII 2.1 section 5.4).
 * Every request has a timeout and the caller's signal; the body is read as a
 * stream under a byte cap; redirects are not followed (a feed URL that moved
 * is an operator's change to make, not something a poller should chase with
 * the feed's credentials). Failures are one typed error with a stable code
 * (docs/errors.md). Credentials go into the request header only, never into
 * an error message.
 */
import { MoatError } from '../core/index.js';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
/** Content types a collection's objects may come with; `application/json` because some servers say so. */
const ACCEPTED_CONTENT_TYPES: ReadonlySet<string> = new Set(['application/taxii+json', 'application/json']);
/** Bytes shown of a reply that is not what it should be: enough to recognise an HTML error page. */
const SNIPPET_BYTES = 120;
/** An HTTP error's reply is read this far for the snippet, not further (a hostile server may stream forever). */
const ERROR_BODY_BYTES = 2048;
/** `next` is an opaque token the server hands back; a longer one is not a token. */
const MAX_NEXT_CHARS = 2048;
/** TAXII timestamps (RFC 3339, UTC): fixed shape, no backtracking. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/u;

export type TaxiiErrorCode = 'FEED_URL_INVALID' | 'FEED_UNREACHABLE' | 'FEED_TIMEOUT' | 'FEED_ABORTED' | 'FEED_TOO_LARGE' | 'FEED_BAD_CONTENT_TYPE' | 'FEED_GARBAGE' | `FEED_HTTP_${number}`;

/** A TAXII request that failed; `code` says how (docs/errors.md). */
export class TaxiiError extends MoatError {
  override readonly code: TaxiiErrorCode;

  constructor(code: TaxiiErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'TaxiiError';
    this.code = code;
  }
}

export type TaxiiAuth = { readonly kind: 'basic'; readonly username: string; readonly password: string } | { readonly kind: 'bearer'; readonly token: string };

export interface TaxiiPageRequest extends TaxiiRequestOptions {
  /** The collection's URL, ending with `/` (`https://host/api1/collections/<id>/`). */
  readonly collectionUrl: string;
  /** Only objects added after this TAXII timestamp. */
  readonly addedAfter?: string;
  /** The `next` token of the previous page of the same query. */
  readonly next?: string;
  /** Objects asked for; the server may send fewer (or, misbehaving, more). */
  readonly limit: number;
}

export interface TaxiiPage {
  readonly objects: readonly unknown[];
  readonly more: boolean;
  readonly next?: string;
  /** `X-TAXII-Date-Added-First` / `-Last`: the first and last object's date_added on this page. */
  readonly dateAddedFirst?: string;
  readonly dateAddedLast?: string;
  /** Body bytes read. */
  readonly bytes: number;
}

/** Bytes as text an operator can read in a log: printable ASCII kept, the rest as \xNN. */
export function escapeBytes(bytes: Uint8Array, max = SNIPPET_BYTES): string {
  let out = '';
  for (const byte of bytes.subarray(0, max)) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else if (byte === 0x0a) out += '\\n';
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${out}...` : out;
}

/** The collection URL checked: http or https, no credentials in it (they belong in the config's username/password). */
export function checkCollectionUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new TaxiiError('FEED_URL_INVALID', `feed URL is not a URL`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TaxiiError('FEED_URL_INVALID', `feed URL must be http or https, not ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw new TaxiiError('FEED_URL_INVALID', 'feed URL must not carry credentials; use the feed username/password or token');
  if (!url.pathname.endsWith('/')) throw new TaxiiError('FEED_URL_INVALID', 'a TAXII collection URL ends with /');
  return url;
}

/** The request URL of one page. */
export function pageUrl(request: Pick<TaxiiPageRequest, 'collectionUrl' | 'addedAfter' | 'next' | 'limit'>): URL {
  const url = new URL('objects/', checkCollectionUrl(request.collectionUrl));
  if (request.addedAfter !== undefined) url.searchParams.set('added_after', request.addedAfter);
  url.searchParams.set('limit', String(request.limit));
  if (request.next !== undefined) url.searchParams.set('next', request.next);
  return url;
}

function authHeader(auth: TaxiiAuth | undefined): Record<string, string> {
  if (auth === undefined) return {};
  if (auth.kind === 'bearer') return { authorization: `Bearer ${auth.token}` };
  return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}` };
}

/** The media type of a Content-Type header, lower case, without parameters. */
function mediaType(header: string | null): string | undefined {
  if (header === null) return undefined;
  const type = header.split(';', 1)[0]?.trim().toLowerCase();
  return type === '' ? undefined : type;
}

/** Why a request failed, as one of our codes: the caller's abort, our timeout, or the network. */
function translateFailure(error: unknown, signals: { caller: AbortSignal | undefined; timeout: AbortSignal }, where: string, timeoutMs: number): TaxiiError {
  if (error instanceof TaxiiError) return error;
  if (signals.caller?.aborted === true) {
    const reason: unknown = signals.caller.reason;
    // The poll deadline is an AbortSignal.timeout too: a deadline is a timeout, a shutdown is an abort.
    if (reason instanceof DOMException && reason.name === 'TimeoutError') return new TaxiiError('FEED_TIMEOUT', `${where}: the poll deadline passed`, { cause: error });
    return new TaxiiError('FEED_ABORTED', `${where}: stopped`, { cause: error });
  }
  if (signals.timeout.aborted) return new TaxiiError('FEED_TIMEOUT', `${where}: no complete reply within ${String(timeoutMs)} ms`, { cause: error });
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.message : String(error);
  return new TaxiiError('FEED_UNREACHABLE', `${where}: ${code}`, { cause: error });
}

/** Reads a body up to `maxBytes`; beyond that the stream is cancelled (the rest is never received). */
async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number, onOver: (read: number) => Error): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw onOver(total);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, total);
}

/** The first `max` bytes of a body; the rest is cancelled, never read. */
async function readPrefix(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  try {
    while (total < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
    if (total >= max) await reader.cancel().catch(() => undefined);
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, total).subarray(0, max);
}

/** Checks the envelope's shape (TAXII 2.1 section 3.7): objects, more and next, each optional. */
function readEnvelope(json: unknown, where: string, bytes: Uint8Array): Omit<TaxiiPage, 'bytes' | 'dateAddedFirst' | 'dateAddedLast'> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TaxiiError('FEED_GARBAGE', `${where}: not a TAXII envelope (an object with "objects"): ${escapeBytes(bytes)}`);
  const envelope = json as Record<string, unknown>;
  const objects = envelope['objects'] ?? [];
  if (!Array.isArray(objects)) throw new TaxiiError('FEED_GARBAGE', `${where}: "objects" is not an array`);
  const more = envelope['more'] ?? false;
  if (typeof more !== 'boolean') throw new TaxiiError('FEED_GARBAGE', `${where}: "more" is not true or false`);
  const next = envelope['next'];
  if (next !== undefined && (typeof next !== 'string' || next.length === 0 || next.length > MAX_NEXT_CHARS)) throw new TaxiiError('FEED_GARBAGE', `${where}: "next" is not a token of 1 to ${String(MAX_NEXT_CHARS)} characters`);
  return { objects, more, ...(next === undefined ? {} : { next }) };
}

function timestampHeader(headers: Headers, name: string): string | undefined {
  const value = headers.get(name)?.trim();
  return value !== undefined && TIMESTAMP.test(value) ? value : undefined;
}

/** What every TAXII request takes besides its URL. */
export interface TaxiiRequestOptions {
  readonly auth?: TaxiiAuth;
  /** Headers and the whole body. */
  readonly timeoutMs: number;
  /** Body bytes read at most. */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
  readonly fetch?: typeof fetch;
}

/** A TAXII reply read whole: its JSON (undefined for a 204) and headers. */
interface TaxiiReply {
  readonly json: unknown;
  readonly headers: Headers;
  readonly bytes: Uint8Array;
}

/** GETs a TAXII resource as JSON under the limits above. Throws TaxiiError (never anything else). */
export async function getTaxiiJson(url: URL, options: TaxiiRequestOptions): Promise<TaxiiReply> {
  // Named without the query: `next` tokens can be long and say nothing to an operator.
  const where = `${url.origin}${url.pathname}`;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  const signals = { caller: options.signal, timeout };
  const doFetch = options.fetch ?? fetch;
  try {
    const response = await doFetch(url, {
      method: 'GET',
      headers: { accept: TAXII_MEDIA_TYPE, 'user-agent': 'moat-taxii/2.1', ...authHeader(options.auth) },
      redirect: 'manual',
      signal,
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get('location') ?? '(none)';
      throw new TaxiiError(`FEED_HTTP_${response.status}`, `${where}: HTTP ${String(response.status)} redirect to ${location.slice(0, 200)} not followed; configure the final URL`);
    }
    if (!response.ok) {
      const text = await readPrefix(response.body, ERROR_BODY_BYTES);
      throw new TaxiiError(`FEED_HTTP_${response.status}`, `${where}: HTTP ${String(response.status)}${text.length > 0 ? `: ${escapeBytes(text)}` : ''}`);
    }
    if (response.status === 204) {
      await response.body?.cancel().catch(() => undefined);
      return { json: undefined, headers: response.headers, bytes: new Uint8Array(0) };
    }
    const type = mediaType(response.headers.get('content-type'));
    if (type === undefined || !ACCEPTED_CONTENT_TYPES.has(type)) {
      await response.body?.cancel().catch(() => undefined);
      throw new TaxiiError('FEED_BAD_CONTENT_TYPE', `${where}: content type ${type === undefined ? '(none)' : JSON.stringify(type.slice(0, 100))}, expected application/taxii+json`);
    }
    const tooLarge = (read: number): TaxiiError => new TaxiiError('FEED_TOO_LARGE', `${where}: the reply is larger than ${String(options.maxBytes)} bytes (${String(read)} announced or read); lower pageSize or raise maxBytesPerPage`);
    const announced = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(announced) && announced > options.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge(announced);
    }
    const bytes = await readCapped(response.body, options.maxBytes, tooLarge);
    try {
      return { json: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)), headers: response.headers, bytes };
    } catch (error) {
      throw new TaxiiError('FEED_GARBAGE', `${where}: the reply is not JSON (${String(bytes.length)} bytes): ${escapeBytes(bytes)}`, { cause: error });
    }
  } catch (error) {
    throw translateFailure(error, signals, where, options.timeoutMs);
  }
}

/** Fetches one page of a collection's objects. Throws TaxiiError (never anything else). */
export async function fetchCollectionPage(request: TaxiiPageRequest): Promise<TaxiiPage> {
  const url = pageUrl(request);
  const reply = await getTaxiiJson(url, request);
  if (reply.json === undefined) return { objects: [], more: false, bytes: 0 };
  const envelope = readEnvelope(reply.json, `${url.origin}${url.pathname}`, reply.bytes);
  const first = timestampHeader(reply.headers, 'x-taxii-date-added-first');
  const last = timestampHeader(reply.headers, 'x-taxii-date-added-last');
  return { ...envelope, ...(first === undefined ? {} : { dateAddedFirst: first }), ...(last === undefined ? {} : { dateAddedLast: last }), bytes: reply.bytes.length };
}
