/**
 * Serves the admin UI (the Vite build in dist/ui) from the API's origin:
 * `/` and the client routes answer index.html, `/assets/<file>` the hashed
 * scripts and styles. Every UI answer carries a strict Content-Security-Policy
 * without 'unsafe-inline' (the build has no inline script or style), so even
 * a rendering bug cannot run a script that mail smuggled into the page.
 * Requests under /api/ that match no route keep the API's JSON 404.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The UI's own policy: only this origin's files; frames only ours (the sandboxed preview); nobody may frame us. */
export const UI_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Vite names every asset `<name>-<hash>.<ext>` in one flat folder; anything else is not ours to serve. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** Client-side routes of the UI (ui/src/app.tsx): a reload or a bookmark on one of them gets index.html. */
const CLIENT_ROUTES = /^\/(?:login|messages|quarantine|audit|users|policy|account|organizations|indicators|hunts|campaigns)(?:\/[^/]*)?$/;

export interface UiOptions {
  /** Absolute path of the built UI (dist/ui), holding index.html and assets/. */
  readonly uiRoot: string;
}

function secureHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', UI_CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
}

function sendIndex(reply: FastifyReply): FastifyReply {
  // index.html names the current asset hashes: never cached, so an upgrade is picked up at once.
  return secureHeaders(reply).header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
}

/** Registers the UI's routes on `app`; call before `ready()`. */
export function registerUi(app: FastifyInstance, options: UiOptions): void {
  // `serve: false`: only the routes below answer; nothing else in the folder is reachable by URL.
  void app.register(fastifyStatic, { root: options.uiRoot, serve: false, dotfiles: 'deny', index: false });

  // Open: the UI is static code; every piece of data it shows comes from the authenticated API.
  const page = { auth: 'none' } as const;
  app.route({ method: 'GET', url: '/', config: page, handler: async (_request, reply) => sendIndex(reply) });
  app.route({
    method: 'GET',
    url: '/assets/:file',
    config: page,
    handler: async (request, reply) => {
      const { file } = request.params as { file: string };
      if (!ASSET_NAME.test(file) || file.includes('..')) {
        return secureHeaders(reply).code(404).send({ status: 'error', statusCode: 404, message: 'not found' });
      }
      // Hashed names: a new build is a new URL, so a year's caching is safe.
      return secureHeaders(reply).sendFile(`assets/${file}`, { maxAge: 365 * 24 * 3600 * 1000, immutable: true });
    },
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if ((request.method === 'GET' || request.method === 'HEAD') && CLIENT_ROUTES.test(path)) return sendIndex(reply);
    return reply.code(404).send({ status: 'error', statusCode: 404, message: 'not found' });
  });
}
