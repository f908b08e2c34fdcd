/**
 * An artifact is one leaf of the message's content tree: a MIME leaf part
 * now, archive members and embedded objects in later issues.
 */

export interface Artifact {
  /** Position in the tree: MIME part path such as `1.2`, later `1.2/member.txt`. */
  readonly path: string;
  /** File name declared by the sender (Content-Disposition / Content-Type name), escaped for display. */
  readonly declaredName?: string;
  /** Content-Type declared by the sender, lower-cased, without parameters. */
  readonly declaredType: string;
  /** Type detected from content (`file-type` and our own sniffing); `undefined` when nothing matched. */
  readonly detectedType?: string;
  /** Extension that the detected content type implies (`exe`, `pdf`, ...). */
  readonly detectedExtension?: string;
  readonly disposition?: 'inline' | 'attachment';
  /** Decoded size in bytes. */
  readonly size: number;
  /** Hex SHA-256 of the decoded content. */
  readonly sha256: string;
}
