/**
 * Reads an indicator file with a size cap, so a wrong path (a disk image, a
 * log) cannot exhaust memory at startup. The app calls this; nothing in intel
 * reads files on import.
 */
import { open } from 'node:fs/promises';
import { MoatError } from '../core/index.js';

export class IntelFileTooLargeError extends MoatError {
  constructor(file: string, maxBytes: number) {
    super('INTEL_FILE_TOO_LARGE', `indicator file ${file} is larger than ${maxBytes} bytes`);
  }
}

/** Reads `file` as UTF-8, failing with INTEL_FILE_TOO_LARGE beyond `maxBytes`. */
export async function readIndicatorFile(file: string, maxBytes: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new IntelFileTooLargeError(file, maxBytes);
    return (await handle.readFile()).toString('utf8');
  } finally {
    await handle.close();
  }
}
