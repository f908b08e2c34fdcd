/**
 * The `\x01Ole10Native` stream of an OLE Packager object ([MS-OLEDS] 2.3.6
 * and the Packager layout): the file a user dragged into a document, with
 * the name and path it had. This is how `.exe`, `.js` and `.lnk` files ride
 * inside Word and Excel documents.
 */
import type { Buffer } from 'node:buffer';

export interface NativePackage {
  /** Display label (usually the file name), raw. */
  readonly label: string;
  /** Original path on the author's machine, raw. */
  readonly sourcePath: string;
  /** Temporary path Packager writes the file to when opened, raw. */
  readonly tempPath: string;
  readonly data: Buffer;
  /** False when the stream is not in Packager layout and `data` is everything after the size field. */
  readonly packaged: boolean;
}

// Windows paths in this structure are MAX_PATH-bound; anything longer is not a Packager string.
const MAX_STRING = 1024;

/** Parses an Ole10Native stream; never throws, never reads past the stream. */
export function parseOle10Native(stream: Buffer): NativePackage | undefined {
  if (stream.length < 4) return undefined;
  const declared = stream.readUInt32LE(0);
  const body = stream.subarray(4, Math.min(stream.length, 4 + declared));
  const raw: NativePackage = { label: '', sourcePath: '', tempPath: '', data: body, packaged: false };
  let pos = 2; // flags
  const cstring = (): string | undefined => {
    const end = body.indexOf(0, pos);
    if (end < 0 || end - pos > MAX_STRING) return undefined;
    const text = body.toString('latin1', pos, end);
    pos = end + 1;
    return text;
  };
  const label = cstring();
  const sourcePath = label === undefined ? undefined : cstring();
  if (label === undefined || sourcePath === undefined || pos + 8 > body.length) return raw;
  pos += 4; // reserved (0x00030000)
  const tempLength = body.readUInt32LE(pos);
  pos += 4;
  if (tempLength > MAX_STRING || pos + tempLength + 4 > body.length) return raw;
  const tempPath = body.toString('latin1', pos, pos + tempLength).replace(/\0.*$/s, '');
  pos += tempLength;
  const dataLength = body.readUInt32LE(pos);
  pos += 4;
  // The declared data size is checked against what is really there, never trusted.
  const data = body.subarray(pos, Math.min(body.length, pos + dataLength));
  return { label, sourcePath, tempPath, data, packaged: true };
}
