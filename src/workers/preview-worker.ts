/**
 * Entry point of the preview worker thread (loaded by piscina from the
 * compiled `dist/src/workers/preview-worker.js`, see
 * src/analysis/preview/pool.ts). The attacker's MIME and HTML are parsed and
 * sanitised here, under the pool's time budget and heap limit, never on the
 * API's event loop. Importing it has no side effects.
 */
import type { MessagePreview, PreviewTask } from '../analysis/index.js';
import { renderPreview } from '../analysis/index.js';

/** Renders the preview of `task.raw`; an exception rejects the task and the pool reports PREVIEW_FAILED. */
export async function renderPreviewTask(task: PreviewTask): Promise<MessagePreview> {
  // Structured clone delivers a Uint8Array whatever Buffer the pool posted.
  return renderPreview(task.raw, { remoteContent: task.remoteContent, limits: task.limits });
}
