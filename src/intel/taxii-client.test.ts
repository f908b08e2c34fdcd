import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCollectionUrl, escapeBytes, fetchCollectionPage, pageUrl, TaxiiError, type TaxiiPageRequest } from './taxii-client.js';

const COLLECTION = 'https://taxii.example/api1/collections/c1/';
const TAXII = 'application/taxii+json;version=2.1';

interface Seen {
  url?: string;
  headers?: Headers;
  redirect?: RequestInit['redirect'];
}

/** A fetch double answering with `response` and noting what was asked. */
function fakeFetch(response: () => Response | Promise<Response>, seen: Seen = {}): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    seen.url = String(input);
    seen.headers = new Headers(init?.headers);
    if (init?.redirect !== undefined) seen.redirect = init.redirect;
    return response();
  }) as typeof fetch;
}

function request(fetchImpl: typeof fetch, more: Partial<TaxiiPageRequest> = {}): TaxiiPageRequest {
  return { collectionUrl: COLLECTION, limit: 10, timeoutMs: 2000, maxBytes: 4096, fetch: fetchImpl, ...more };
}

async function failure(promise: Promise<unknown>): Promise<TaxiiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TaxiiError, `a TaxiiError, not ${String(error)}`);
    return error;
  }
  assert.fail('expected a failure');
}

describe('TAXII client', () => {
  it('builds the objects URL with added_after, limit and next, and checks the collection URL', () => {
    assert.equal(pageUrl({ collectionUrl: COLLECTION, addedAfter: '2025-05-01T00:00:00.000Z', limit: 50, next: 'abc' }).href, `${COLLECTION}objects/?added_after=2025-05-01T00%3A00%3A00.000Z&limit=50&next=abc`);
    assert.throws(() => checkCollectionUrl('ftp://taxii.example/c/'), /must be http or https/);
    assert.throws(() => checkCollectionUrl('https://u:p@taxii.example/c/'), /must not carry credentials/);
    assert.throws(() => checkCollectionUrl('https://taxii.example/c'), /ends with \//);
    assert.throws(() => checkCollectionUrl('not a url'), (e: unknown) => e instanceof TaxiiError && e.code === 'FEED_URL_INVALID');
  });

  it('escapes bytes for a log line', () => {
    assert.equal(escapeBytes(Buffer.from('<html>\u0000\n\\é')), '<html>\\x00\\n\\\\\\xc3\\xa9');
    assert.equal(escapeBytes(Buffer.from('abcdef'), 3), 'abc...');
  });

  it('reads an envelope with its date headers, sends the TAXII accept header and basic auth, and does not follow redirects', async () => {
    const seen: Seen = {};
    const body = JSON.stringify({ more: true, next: 'n2', objects: [{ type: 'indicator' }] });
    const page = await fetchCollectionPage(
      request(
        fakeFetch(() => new Response(body, { headers: { 'content-type': TAXII, 'x-taxii-date-added-first': '2025-05-01T00:00:00.000Z', 'x-taxii-date-added-last': '2025-05-02T00:00:00.123456Z' } }), seen),
        { auth: { kind: 'basic', username: 'moat', password: 's3cret' } },
      ),
    );
    assert.deepEqual(page, { objects: [{ type: 'indicator' }], more: true, next: 'n2', dateAddedFirst: '2025-05-01T00:00:00.000Z', dateAddedLast: '2025-05-02T00:00:00.123456Z', bytes: Buffer.byteLength(body) });
    assert.equal(seen.headers?.get('accept'), TAXII);
    assert.equal(seen.headers?.get('authorization'), `Basic ${Buffer.from('moat:s3cret').toString('base64')}`);
    assert.equal(seen.redirect, 'manual');
    await fetchCollectionPage(request(fakeFetch(() => new Response('{}', { headers: { 'content-type': 'application/json' } }), seen), { auth: { kind: 'bearer', token: 'tok' } }));
    assert.equal(seen.headers?.get('authorization'), 'Bearer tok');
  });

  it('accepts an empty envelope and a 204', async () => {
    assert.deepEqual(await fetchCollectionPage(request(fakeFetch(() => new Response('{}', { headers: { 'content-type': TAXII } })))), { objects: [], more: false, bytes: 2 });
    assert.deepEqual(await fetchCollectionPage(request(fakeFetch(() => new Response(null, { status: 204 })))), { objects: [], more: false, bytes: 0 });
  });

  it('names the content type that came', async () => {
    const error = await failure(fetchCollectionPage(request(fakeFetch(() => new Response('{}', { headers: { 'content-type': 'text/html; charset=utf-8' } })))));
    assert.equal(error.code, 'FEED_BAD_CONTENT_TYPE');
    assert.match(error.message, /content type "text\/html", expected application\/taxii\+json/);
  });

  it('refuses garbage with its first bytes escaped, and envelopes of the wrong shape', async () => {
    const garbage = await failure(fetchCollectionPage(request(fakeFetch(() => new Response('<html>\u0000oops', { headers: { 'content-type': TAXII } })))));
    assert.equal(garbage.code, 'FEED_GARBAGE');
    assert.match(garbage.message, /not JSON \(11 bytes\): <html>\\x00oops/);
    const notUtf8 = await failure(fetchCollectionPage(request(fakeFetch(() => new Response(new Uint8Array([0x7b, 0xff, 0x7d]), { headers: { 'content-type': TAXII } })))));
    assert.equal(notUtf8.code, 'FEED_GARBAGE');
    for (const [body, reason] of [
      ['[]', /not a TAXII envelope/],
      ['{"objects": {}}', /"objects" is not an array/],
      ['{"more": "yes"}', /"more" is not true or false/],
      ['{"next": 5}', /"next" is not a token/],
    ] as const) {
      const error = await failure(fetchCollectionPage(request(fakeFetch(() => new Response(body, { headers: { 'content-type': TAXII } })))));
      assert.equal(error.code, 'FEED_GARBAGE');
      assert.match(error.message, reason);
    }
  });

  it('stops reading beyond maxBytes, announced or streamed', async () => {
    const announced = await failure(fetchCollectionPage(request(fakeFetch(() => new Response('x'.repeat(5000), { headers: { 'content-type': TAXII, 'content-length': '5000' } })))));
    assert.equal(announced.code, 'FEED_TOO_LARGE');
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(1024));
      },
      cancel() {
        cancelled = true;
      },
    });
    const streamed = await failure(fetchCollectionPage(request(fakeFetch(() => new Response(endless, { headers: { 'content-type': TAXII } })))));
    assert.equal(streamed.code, 'FEED_TOO_LARGE');
    assert.match(streamed.message, /larger than 4096 bytes/);
    assert.ok(cancelled, 'the body stream is cancelled');
    assert.ok(pulled <= 6, `stopped after the cap (${String(pulled)} chunks pulled)`);
  });

  it('reports HTTP errors with a reply snippet and redirects as not followed', async () => {
    const error = await failure(fetchCollectionPage(request(fakeFetch(() => new Response('{"title": "Unauthorized"}', { status: 401, headers: { 'content-type': TAXII } })))));
    assert.equal(error.code, 'FEED_HTTP_401');
    assert.match(error.message, /HTTP 401: \{"title": "Unauthorized"\}/);
    const moved = await failure(fetchCollectionPage(request(fakeFetch(() => new Response(null, { status: 301, headers: { location: 'https://elsewhere.example/' } })))));
    assert.equal(moved.code, 'FEED_HTTP_301');
    assert.match(moved.message, /redirect to https:\/\/elsewhere\.example\/ not followed/);
  });

  it('translates network failures, its own timeout and the caller abort', async (t) => {
    const refused = await failure(fetchCollectionPage(request(fakeFetch(() => Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }))))));
    assert.equal(refused.code, 'FEED_UNREACHABLE');
    assert.match(refused.message, /ECONNREFUSED/);
    // AbortSignal.timeout's timer does not hold the event loop open (a real request's socket does): this does.
    const keepAlive = setInterval(() => undefined, 1000);
    t.after(() => clearInterval(keepAlive));
    // A fetch that only ends when its signal fires, as a server that never answers.
    const hanging = ((_: unknown, init?: RequestInit) => new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)))) as typeof fetch;
    const timedOut = await failure(fetchCollectionPage(request(hanging, { timeoutMs: 50 })));
    assert.equal(timedOut.code, 'FEED_TIMEOUT');
    const stop = new AbortController();
    const pending = fetchCollectionPage(request(hanging, { signal: stop.signal, timeoutMs: 10_000 }));
    stop.abort();
    assert.equal((await failure(pending)).code, 'FEED_ABORTED');
    const deadline = await failure(fetchCollectionPage(request(hanging, { signal: AbortSignal.timeout(30), timeoutMs: 10_000 })));
    assert.equal(deadline.code, 'FEED_TIMEOUT');
    assert.match(deadline.message, /poll deadline/);
  });
});
