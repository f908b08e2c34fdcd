/**
 * A small TAXII 2.1 server on 127.0.0.1 (port 0) for the feed tests:
 * discovery (`/taxii2/`), one API root (`/api1/`), its collections and their
 * objects with `added_after` filtering, `limit`/`next` paging with `more` and
 * the X-TAXII-Date-Added-First/Last headers, HTTP basic auth, and a fault
 * mode per collection: slow (headers later than any test timeout), garbage
 * (an HTML page labelled taxii+json), wrong content type, huge (a body
 * streamed without end until the client hangs up), and a 500 error.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const TAXII_CONTENT_TYPE = 'application/taxii+json;version=2.1';

export type TaxiiFault = 'slow' | 'garbage' | 'wrong-type' | 'huge' | 'error';

/** An object and when the collection got it (TAXII's date_added, kept beside the object as servers do). */
export interface TaxiiEntry {
  readonly dateAdded: string;
  readonly object: Readonly<Record<string, unknown>>;
}

export interface TaxiiRequestLog {
  readonly collection: string;
  readonly addedAfter?: string;
  readonly limit?: string;
  readonly next?: string;
  readonly authorized: boolean;
}

export interface TestTaxiiServer {
  /** `http://127.0.0.1:<port>/` */
  readonly origin: string;
  /** The collection URL a feed config names (ends with `/`). */
  collectionUrl(id: string): string;
  addObjects(id: string, entries: readonly TaxiiEntry[]): void;
  setFault(id: string, fault: TaxiiFault | undefined): void;
  /** Object requests seen, oldest first. */
  readonly requests: TaxiiRequestLog[];
  close(): Promise<void>;
}

export interface TaxiiServerOptions {
  readonly username: string;
  readonly password: string;
  /** Objects per page when the client asks for more (a server's own cap). */
  readonly maxPageSize?: number;
}

const HUGE_CHUNK = Buffer.alloc(64 * 1024, 0x20);
/** The huge mode stops by itself here, in case a client under test never hangs up. */
const HUGE_LIMIT_BYTES = 256 * 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': TAXII_CONTENT_TYPE, 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** Starts the server; `close()` also ends slow and huge replies in progress. */
export async function startTaxiiServer(options: TaxiiServerOptions): Promise<TestTaxiiServer> {
  const collections = new Map<string, { entries: TaxiiEntry[]; fault: TaxiiFault | undefined }>();
  const requests: TaxiiRequestLog[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  let origin = '';

  const collection = (id: string) => {
    let c = collections.get(id);
    if (c === undefined) {
      c = { entries: [], fault: undefined };
      collections.set(id, c);
    }
    return c;
  };

  const objects = (req: IncomingMessage, res: ServerResponse, id: string, url: URL): void => {
    const authorized = req.headers.authorization === expected;
    requests.push({
      collection: id,
      authorized,
      ...(url.searchParams.get('added_after') === null ? {} : { addedAfter: url.searchParams.get('added_after') as string }),
      ...(url.searchParams.get('limit') === null ? {} : { limit: url.searchParams.get('limit') as string }),
      ...(url.searchParams.get('next') === null ? {} : { next: url.searchParams.get('next') as string }),
    });
    if (!authorized) return sendJson(res, 401, { title: 'Unauthorized', description: 'credentials required' });
    const c = collections.get(id);
    if (c === undefined) return sendJson(res, 404, { title: 'Not Found' });
    switch (c.fault) {
      case 'slow': {
        const timer = setTimeout(() => sendJson(res, 200, { more: false, objects: [] }), 60_000);
        timers.add(timer);
        return;
      }
      case 'garbage':
        res.writeHead(200, { 'content-type': TAXII_CONTENT_TYPE });
        res.end('<html><body>\u0000Service Unavailable</body></html>');
        return;
      case 'wrong-type':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('{"objects": []}');
        return;
      case 'error':
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('database is down');
        return;
      case 'huge': {
        // Chunked, no length announced: only a streamed byte cap stops the client reading.
        res.writeHead(200, { 'content-type': TAXII_CONTENT_TYPE });
        res.write('{"more": false, "objects": [{"type": "note", "content": "');
        let sent = 0;
        const pump = (): void => {
          while (sent < HUGE_LIMIT_BYTES && !res.destroyed) {
            sent += HUGE_CHUNK.length;
            if (!res.write(HUGE_CHUNK)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end('"}]}');
        };
        pump();
        return;
      }
      default:
        break;
    }
    const after = url.searchParams.get('added_after');
    const matching = c.entries.filter((e) => after === null || e.dateAdded > after).sort((a, b) => (a.dateAdded < b.dateAdded ? -1 : a.dateAdded > b.dateAdded ? 1 : 0));
    const limit = Math.min(Number(url.searchParams.get('limit') ?? '100'), options.maxPageSize ?? 1000);
    const offset = Number(url.searchParams.get('next') ?? '0');
    const page = matching.slice(offset, offset + limit);
    const more = offset + page.length < matching.length;
    const headers: Record<string, string> = page.length === 0 ? {} : { 'x-taxii-date-added-first': page[0]?.dateAdded ?? '', 'x-taxii-date-added-last': page[page.length - 1]?.dateAdded ?? '' };
    sendJson(res, 200, { more, ...(more ? { next: String(offset + page.length) } : {}), objects: page.map((e) => e.object) }, headers);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    if (path === '/taxii2/') return sendJson(res, 200, { title: 'Moat test TAXII', default: `${origin}api1/`, api_roots: [`${origin}api1/`] });
    if (path === '/api1/') return sendJson(res, 200, { title: 'api1', versions: [TAXII_CONTENT_TYPE], max_content_length: 104857600 });
    if (path === '/api1/collections/') return sendJson(res, 200, { collections: [...collections.keys()].map((id) => ({ id, title: id, can_read: true, can_write: false })) });
    const match = /^\/api1\/collections\/([^/]+)\/objects\/$/u.exec(path);
    if (match?.[1] !== undefined) return objects(req, res, match[1], url);
    sendJson(res, 404, { title: 'Not Found' });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;

  return {
    origin,
    collectionUrl: (id) => `${origin}api1/collections/${id}/`,
    addObjects(id, entries) {
      collection(id).entries.push(...entries);
    },
    setFault(id, fault) {
      collection(id).fault = fault;
    },
    requests,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A STIX 2.1 indicator with a pattern, as feeds send them. */
export function stixIndicator(id: string, pattern: string, more: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${id}`,
    created: '2025-05-01T00:00:00.000Z',
    modified: '2025-05-02T00:00:00.000Z',
    valid_from: '2025-05-01T00:00:00Z',
    pattern_type: 'stix',
    pattern,
    indicator_types: ['malicious-activity'],
    ...more,
  };
}

/** indicator --indicates--> target. */
export function stixIndicates(id: string, indicator: string, target: string): Record<string, unknown> {
  return { type: 'relationship', spec_version: '2.1', id: `relationship--${id}`, created: '2025-05-01T00:00:00.000Z', modified: '2025-05-01T00:00:00.000Z', relationship_type: 'indicates', source_ref: `indicator--${indicator}`, target_ref: target };
}
