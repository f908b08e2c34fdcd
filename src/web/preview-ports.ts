/**
 * What the preview routes need: the safe preview of a held message, made
 * in the preview worker (src/analysis/preview) from the quarantined body,
 * with the organization the entry belongs to. `app/` passes the real one.
 * The shapes mirror src/analysis/preview/types.ts (web does not import
 * analysis); the routes read only the fields named here.
 */

/** The parts of a preview the HTML document is built from; the JSON route passes the whole preview through. */
export interface PreviewShape {
  readonly remoteContent: boolean;
  readonly headers: { readonly from?: string; readonly to?: string; readonly cc?: string; readonly replyTo?: string; readonly subject?: string; readonly date?: string; readonly messageId?: string };
  readonly text?: string;
  /** Sanitised fragment: placed in the document as it is. */
  readonly html?: string;
  readonly attachments: ReadonlyArray<{ readonly path: string; readonly name?: string; readonly declaredType: string; readonly size: number; readonly sha256: string }>;
  readonly notes: object;
}

export interface PreviewPort {
  /** The organization a quarantined message belongs to; undefined when there is no such entry. Checked before any rendering. */
  owner(queueId: string): Promise<number | undefined>;
  /**
   * The preview of a quarantined message, or undefined when it is gone (or has no body).
   * Rejects with a MoatError PREVIEW_* when the worker could not make it within its limits.
   */
  preview(queueId: string, options: { remoteContent: boolean }): Promise<PreviewShape | undefined>;
}
