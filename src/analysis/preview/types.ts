/**
 * What a safe preview of a held message is: display-ready header strings,
 * the text body, the sanitised HTML fragment, attachment metadata (never
 * content) and notes on what was removed. Plain serialisable data: it crosses
 * from the preview worker to the API as JSON.
 */

/** Resource limits of one preview; every hostile input is bounded by one of these. */
export interface PreviewLimits {
  /** Bytes of the message read at all; the rest is not shown (notes.truncated says so). */
  readonly maxMessageBytes: number;
  /** MIME entities parsed before parsing stops (as analysis.maxMimeParts). */
  readonly maxMimeParts: number;
  /** MIME nesting depth before parsing stops (as analysis.maxMimeDepth). */
  readonly maxMimeDepth: number;
  /** Characters of the text body shown. */
  readonly maxTextChars?: number;
  /** Characters of decoded HTML handed to the sanitiser. */
  readonly maxHtmlInputChars?: number;
  /** Characters of sanitised HTML returned. */
  readonly maxHtmlOutputChars?: number;
  /** Bytes of one inline (cid:) image embedded as a data: URL; bigger ones are left out. */
  readonly maxInlineImageBytes?: number;
  /** Bytes of all inline images of one preview together. */
  readonly maxInlineImagesBytes?: number;
}

/**
 * Shipped defaults for the optional limits. 256 KiB of text is far more than an
 * analyst reads; 1 MiB of HTML covers heavy newsletters; a sanitised fragment is
 * at most a few times its input (escaped entities, placeholders), and what goes
 * beyond 2 MiB is cut at a tag boundary. Inline images are logos and signatures.
 */
export const DEFAULT_PREVIEW_LIMITS = {
  maxTextChars: 256 * 1024,
  maxHtmlInputChars: 1024 * 1024,
  maxHtmlOutputChars: 2 * 1024 * 1024,
  maxInlineImageBytes: 512 * 1024,
  maxInlineImagesBytes: 4 * 1024 * 1024,
} as const;

export interface PreviewOptions {
  /** Whether remote images load and links are live (the analyst asked); false by default in the API. */
  readonly remoteContent: boolean;
  readonly limits: PreviewLimits;
}

/** Top-level header values, RFC 2047 decoded, control and bidi characters made visible, each bounded. */
export interface PreviewHeaders {
  readonly from?: string;
  readonly to?: string;
  readonly cc?: string;
  readonly replyTo?: string;
  readonly subject?: string;
  readonly date?: string;
  readonly messageId?: string;
}

/** One MIME leaf that is not a shown body: metadata only, its content never leaves the worker. */
export interface PreviewAttachment {
  /** IMAP-style part path. */
  readonly path: string;
  /** Declared file name, escaped for display (controls and bidi overrides visible); absent when none. */
  readonly name?: string;
  /** Declared Content-Type, as declared (not trusted). */
  readonly declaredType: string;
  readonly size: number;
  readonly sha256: string;
}

/** What the sanitiser removed or blocked: the analyst sees that the mail tried something. */
export interface PreviewNotes {
  /** `<script>` elements removed. */
  readonly scripts: number;
  /** `on*` event handler attributes removed. */
  readonly eventHandlers: number;
  /** `<style>` elements and `style` attributes removed (CSS can load URLs and exfiltrate). */
  readonly styles: number;
  /** Active or embedded content removed: iframe, frame, object, embed, applet, svg, math, media. */
  readonly embeddedContent: number;
  /** Form controls removed: form, input, button, select, textarea. */
  readonly forms: number;
  /** Document-level tags removed: meta (refresh), base, link. */
  readonly documentTags: number;
  /** Remote images replaced by a placeholder (remoteContent false), or shown (true: see remoteImagesShown). */
  readonly remoteImages: number;
  readonly remoteImagesShown: number;
  /** Links made inert (remoteContent false): the URL stays visible in the title. */
  readonly linksNeutralised: number;
  /** URLs dropped for their scheme (javascript:, data:, vbscript:, relative, unparsable). */
  readonly unsafeUrls: number;
  /** cid: images not shown: no such part, not a raster image, or over the size limits. */
  readonly inlineImagesOmitted: number;
  /** What was cut at a limit: 'message', 'text', 'html'. */
  readonly truncated: readonly string[];
}

export interface MessagePreview {
  readonly remoteContent: boolean;
  readonly headers: PreviewHeaders;
  /** The first text/plain body, charset-decoded, controls and bidi overrides made visible (line breaks kept). */
  readonly text?: string;
  /** The first text/html body as a sanitised fragment, to be placed in a document the server builds. */
  readonly html?: string;
  readonly attachments: readonly PreviewAttachment[];
  readonly notes: PreviewNotes;
}
