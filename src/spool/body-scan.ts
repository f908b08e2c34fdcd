/**
 * Byte-level facts about a message body gathered while it streams to disk,
 * so the SMTP layer can refuse smuggling vectors without a second pass.
 */

/** RFC 5321 §4.5.3.1.6: 1000 octets per line including CRLF. */
export const MAX_LINE_OCTETS = 998;

export interface BodyScanResult {
  /** An LF not preceded by CR: the SMTP smuggling vector (CVE-2023-51764 class). */
  readonly bareLf: boolean;
  /** A CR not followed by LF. */
  readonly bareCr: boolean;
  readonly nul: boolean;
  /** Any octet ≥ 0x80. */
  readonly eightBit: boolean;
  /** Longest line in octets, excluding the line end. */
  readonly longestLine: number;
}

export interface BodyScanner {
  update(chunk: Uint8Array): void;
  result(): BodyScanResult;
}

/** Incremental scanner; state carries across chunk boundaries. */
export function createBodyScanner(): BodyScanner {
  let bareLf = false;
  let bareCr = false;
  let nul = false;
  let eightBit = false;
  let longestLine = 0;
  let lineLength = 0;
  let previous = -1;

  return {
    update(chunk) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i] as number;
        if (byte === 0x0a) {
          if (previous !== 0x0d) bareLf = true;
          else lineLength--; // the CR was counted as content
          if (lineLength > longestLine) longestLine = lineLength;
          lineLength = 0;
        } else {
          if (previous === 0x0d) bareCr = true;
          lineLength++;
          if (byte === 0) nul = true;
          else if (byte >= 0x80) eightBit = true;
        }
        previous = byte;
      }
    },
    result() {
      const trailing = previous === 0x0d ? lineLength - 1 : lineLength;
      return {
        bareLf,
        bareCr: bareCr || previous === 0x0d,
        nul,
        eightBit,
        longestLine: Math.max(longestLine, trailing),
      };
    },
  };
}
