/**
 * The contract between the analysis pipeline and its detection engines. An
 * engine looks at one artifact at a time and reports findings; it never
 * decides what happens to the message (policy does).
 */
import type { Artifact, Finding } from '../core/index.js';

/** What an engine gets to see about one artifact. */
export interface EngineSubject {
  readonly artifact: Artifact;
  /** Decoded content. Engines must not keep a reference after `inspect` returns. */
  readonly content: Uint8Array;
  /**
   * Declared file name exactly as decoded from the headers, not escaped, so that
   * engines can see bidi controls and padding. Escape before putting it in a finding.
   */
  readonly rawName?: string;
  /**
   * The container this artifact came out of (archive, OOXML package, PDF),
   * absent for MIME parts. Lets a document engine look at `xl/styles.xml`
   * knowing it sits inside a spreadsheet package.
   */
  readonly container?: {
    readonly path: string;
    readonly detectedType?: string;
    readonly detectedExtension?: string;
    /** Names of the container's other members, raw (for package-level checks). */
    readonly memberNames?: readonly string[];
    /** SHA-256 of the container's content (an engine that scanned it whole may skip what it already covered). */
    readonly sha256?: string;
  };
  /** Dissector that produced this member (`zip`, `tar`, `html`, ...); absent for MIME parts. */
  readonly via?: string;
  /** The member was encrypted and opened with a password from the message: no outside scanner has seen it. */
  readonly decrypted?: boolean;
  /** Raw Content-ID of the MIME part (MIME parts only). */
  readonly contentId?: string;
  /** Member depth: 0 for MIME parts, 1 for a member of an attachment, and so on. */
  readonly depth?: number;
}

export interface Engine {
  /** Short lower-case name, used as `Finding.engine` and, upper-cased, as the `<NAME>_FAIL` prefix. */
  readonly name: string;
  /**
   * Findings about one artifact. May be async (socket engines later). A thrown
   * error is turned into a `<NAME>_FAIL` finding by the pipeline, never ignored.
   */
  inspect(subject: EngineSubject): readonly Finding[] | Promise<readonly Finding[]>;
}
