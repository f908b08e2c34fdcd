/**
 * Safe preview of a quarantined message: as JSON for the UI, and as a
 * complete HTML document built here around the fragment the preview worker
 * sanitised, served with a Content-Security-Policy that sandboxes it (no
 * script, no plugin, no form, no same-origin access), loads nothing but our
 * own data: images (and, only when the analyst asks, remote images) and
 * keeps it from being framed elsewhere or sniffed as something else. The
 * message's attachments are listed, never served.
 */
import { MoatError } from '../../core/index.js';
import { allowOrganization, HttpError, type ApiRoute } from '../api-route.js';
import type { PreviewPort, PreviewShape } from '../preview-ports.js';

const QUEUE_ID = '^[0-9A-Z]{20}$';
const schema = {
  params: { type: 'object', required: ['queueId'], properties: { queueId: { type: 'string', pattern: QUEUE_ID } } },
  querystring: { type: 'object', additionalProperties: false, properties: { remote: { type: 'boolean', default: false } } },
} as const;

// `sandbox` with no allow-* keeps scripts, forms, plugins and same-origin access off even if markup slipped
// through; default-src 'none' stops every fetch but data: images. With remote content the analyst has asked
// for remote images and live links: links may then open a new tab (noopener), nothing more.
const CSP_LOCAL = "sandbox; default-src 'none'; img-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'";
const CSP_REMOTE = "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; img-src data: https: http:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'";

const HEADER_LABELS: ReadonlyArray<readonly [keyof PreviewShape['headers'], string]> = [
  ['from', 'From'],
  ['replyTo', 'Reply-To'],
  ['to', 'To'],
  ['cc', 'Cc'],
  ['date', 'Date'],
  ['subject', 'Subject'],
  ['messageId', 'Message-ID'],
];

/** Preview failures a caller may be told about, as HTTP answers; the detail stays in the log. */
function translate(error: unknown): never {
  if (error instanceof MoatError) {
    if (error.code === 'PREVIEW_TIMEOUT' || error.code === 'PREVIEW_FAILED') throw new HttpError(422, 'the message cannot be previewed within the preview limits');
    if (error.code === 'PREVIEW_BUSY' || error.code === 'PREVIEW_POOL_CLOSED') throw new HttpError(503, 'preview unavailable, try again');
  }
  throw error;
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;').replace(/"/gu, '&quot;').replace(/'/gu, '&#39;');
}

/** The document the sandboxed iframe shows: headers, the body (sanitised HTML, else text), attachment metadata. No style, no script. */
export function buildPreviewDocument(preview: PreviewShape): string {
  const rows = HEADER_LABELS.flatMap(([key, label]) => {
    const value = preview.headers[key];
    return value === undefined ? [] : [`<dt>${label}</dt><dd>${escapeHtml(value)}</dd>`];
  });
  let body = '<p><em>This message has no text or HTML body.</em></p>';
  if (preview.html !== undefined) body = preview.html;
  else if (preview.text !== undefined) body = `<pre>${escapeHtml(preview.text)}</pre>`;
  const attachments = preview.attachments.map(
    (a) => `<li>${escapeHtml(a.name ?? '(no name)')} (${escapeHtml(a.declaredType)}, ${a.size} bytes, part ${escapeHtml(a.path)}, SHA-256 ${escapeHtml(a.sha256)})</li>`,
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Message preview</title></head><body>',
    `<dl>${rows.join('')}</dl>`,
    '<hr>',
    `<main>${body}</main>`,
    '<hr>',
    attachments.length === 0 ? '<p>No attachments.</p>' : `<p>Attachments (never opened here):</p><ul>${attachments.join('')}</ul>`,
    '</body></html>',
  ].join('\n');
}

/** GET .../preview (JSON) and .../preview.html (the sandboxed document), both `quarantine:read` within the caller's organizations. */
export function previewRoutes(options: { preview: PreviewPort }): ApiRoute[] {
  const load = async (principal: Parameters<typeof allowOrganization>[0], queueId: string, remoteContent: boolean): Promise<PreviewShape> => {
    // Whose it is first: another organization's message is not even rendered.
    const owner = await options.preview.owner(queueId);
    if (owner === undefined) throw new HttpError(404, 'not found');
    allowOrganization(principal, 'quarantine:read', owner);
    let made: PreviewShape | undefined;
    try {
      made = await options.preview.preview(queueId, { remoteContent });
    } catch (error) {
      return translate(error);
    }
    if (made === undefined) throw new HttpError(404, 'not found');
    return made;
  };

  return [
    {
      method: 'GET',
      url: '/api/v1/quarantine/:queueId/preview',
      auth: 'quarantine:read',
      summary: 'Safe preview of a quarantined message: headers, text, sanitised HTML, attachment metadata, what was removed',
      tags: ['quarantine'],
      schema,
      async handler({ request, reply, principal }) {
        const { queueId } = request.params as { queueId: string };
        const { remote } = request.query as { remote: boolean };
        const preview = await load(principal, queueId, remote);
        void reply.header('cache-control', 'no-store');
        return { queueId, preview };
      },
    },
    {
      method: 'GET',
      url: '/api/v1/quarantine/:queueId/preview.html',
      auth: 'quarantine:read',
      summary: 'Safe preview as a sandboxed HTML document (strict Content-Security-Policy), for an <iframe sandbox>',
      tags: ['quarantine'],
      schema,
      async handler({ request, reply, principal }) {
        const { queueId } = request.params as { queueId: string };
        const { remote } = request.query as { remote: boolean };
        const preview = await load(principal, queueId, remote);
        void reply
          .header('content-type', 'text/html; charset=utf-8')
          .header('content-security-policy', remote ? CSP_REMOTE : CSP_LOCAL)
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'no-referrer')
          .header('cache-control', 'no-store')
          .header('cross-origin-resource-policy', 'same-origin')
          .header('x-frame-options', 'SAMEORIGIN');
        return buildPreviewDocument(preview);
      },
    },
  ];
}
