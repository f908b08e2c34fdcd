/**
 * A typed, bounded walk over one archive held in a libarchive WebAssembly
 * instance: entry headers, then data copied out in fixed-size chunks so the
 * WASM heap never holds a whole member. Failures are values, not throws:
 * libarchive errors, a refused heap growth and a WASM trap each come back as
 * a `ReadFailure` the dissector turns into a finding.
 */
import type { MemberKind } from '../../dissect/dissector.js';
import type { LibarchiveInstance } from './wasm.js';

export type FailureKind = 'error' | 'memory' | 'trap';

export interface ReadFailure {
  readonly kind: FailureKind;
  /** libarchive's message (archive-derived: escape before display). */
  readonly message: string;
}

export interface RawEntry {
  readonly name: string;
  /** True when the name had no terminator within MAX_NAME_BYTES and was cut. */
  readonly nameTruncated: boolean;
  readonly kind: MemberKind;
  /**
   * Size from the header. This build returns only the low 32 bits of libarchive's
   * int64, so a negative value (2-4 GiB) comes back as undefined: too big either way.
   */
  readonly declaredSize: number | undefined;
  readonly encrypted: boolean;
}

export type NextResult = { readonly type: 'entry'; readonly entry: RawEntry } | { readonly type: 'end' } | { readonly type: 'failure'; readonly failure: ReadFailure };
export type DataResult = { readonly type: 'data'; readonly data: Uint8Array } | { readonly type: 'failure'; readonly failure: ReadFailure };

export interface ArchiveReader {
  next(): NextResult;
  /** Reads exactly `size` bytes of the current entry (the caller has charged them to the budget). */
  readData(size: number): DataResult;
  /** Skips the current entry's data without decoding it into our buffers. */
  skip(): ReadFailure | undefined;
  close(): void;
}

// Longest member name we copy out of the WASM heap. Longer names exist only to
// break tools; the dissector reports them.
export const MAX_NAME_BYTES = 65_536;
const MAX_ERROR_BYTES = 1024;
// Locale for libarchive's name conversions (UTF-16 7z/cab names, rar5 UTF-8): UTF-8 output.
const LOCALE = 'en_US.UTF-8';

// archive_entry_filetype() values (archive_entry.h, AE_IF*).
const AE_IFMT = 0o170000;
const KIND_BY_TYPE: ReadonlyMap<number, MemberKind> = new Map([
  [0o100000, 'file'],
  [0o040000, 'directory'],
  [0o120000, 'symlink'],
  [0o020000, 'device'],
  [0o060000, 'device'],
  [0o010000, 'fifo'],
  [0o140000, 'other'],
  // Unset type: read it as a file so no data is left unexamined.
  [0, 'file'],
]);

const utf8 = new TextDecoder('utf-8');

function isWasmTrap(err: unknown): boolean {
  // WebAssembly.RuntimeError (trap, abort()) and RangeError (stack exhausted inside the decoder).
  return err instanceof Error && (err.name === 'RuntimeError' || err instanceof RangeError);
}

/** Opens `content` (copied into the instance's heap) and returns a reader over its entries. */
export function openArchive(instance: LibarchiveInstance, content: Uint8Array, chunkBytes: number, passphrase?: string): ArchiveReader {
  const m = instance.module;
  let dead: ReadFailure | undefined;
  let archive = 0;
  let openError: ReadFailure | undefined;

  const readCString = (ptr: number, max: number): { text: string; truncated: boolean } => {
    const heap = m.HEAPU8;
    const limit = Math.min(heap.length, ptr + max);
    let end = ptr;
    while (end < limit && heap[end] !== 0) end++;
    return { text: utf8.decode(heap.subarray(ptr, end)), truncated: end === limit };
  };
  const cString = (text: string): number => {
    const bytes = new TextEncoder().encode(text);
    const ptr = m._malloc(bytes.length + 1);
    if (ptr === 0) return 0;
    m.HEAPU8.set(bytes, ptr);
    m.HEAPU8[ptr + bytes.length] = 0;
    return ptr;
  };
  const lastError = (fallback: string): ReadFailure => {
    const ptr = archive === 0 ? 0 : m._archive_error_string(archive);
    const message = ptr === 0 ? fallback : readCString(ptr, MAX_ERROR_BYTES).text;
    return { kind: instance.memoryRefused ? 'memory' : 'error', message };
  };
  const guarded = <T>(call: () => T): T | ReadFailure => {
    if (dead !== undefined) return dead;
    try {
      return call();
    } catch (err) {
      if (!isWasmTrap(err)) throw err;
      dead = { kind: instance.memoryRefused ? 'memory' : 'trap', message: err instanceof Error ? err.message : 'trap' };
      return dead;
    }
  };
  const isFailure = (value: unknown): value is ReadFailure => typeof value === 'object' && value !== null && 'kind' in value && 'message' in value;

  const opened = guarded(() => {
    const input = m._malloc(Math.max(content.length, 1));
    if (input === 0) return { kind: 'memory', message: `no WebAssembly memory for a ${content.length}-byte archive` } satisfies ReadFailure;
    m.HEAPU8.set(content, input);
    const pass = passphrase === undefined ? 0 : cString(passphrase);
    const locale = cString(LOCALE);
    archive = m._archive_open(input, content.length, pass, locale);
    if (archive === 0) return { kind: 'memory', message: 'libarchive could not allocate its reader' } satisfies ReadFailure;
    // archive_open only prints open errors; a set error string here means open failed.
    const err = m._archive_error_string(archive);
    return err === 0 ? undefined : lastError('open failed');
  });
  if (isFailure(opened)) openError = opened;

  return {
    next() {
      if (openError !== undefined) return { type: 'failure', failure: openError };
      const result = guarded((): NextResult => {
        const entry = m._get_next_entry(archive);
        if (entry === 0) {
          // The wrapper returns NULL for end, warnings and errors alike; only a clean end has no error string.
          const err = m._archive_error_string(archive);
          return err === 0 ? { type: 'end' } : { type: 'failure', failure: lastError('header error') };
        }
        let namePtr = m._archive_entry_pathname_utf8(entry);
        if (namePtr === 0) namePtr = m._archive_entry_pathname(entry);
        const name = namePtr === 0 ? { text: '', truncated: false } : readCString(namePtr, MAX_NAME_BYTES);
        const size = m._archive_entry_size(entry);
        return {
          type: 'entry',
          entry: {
            name: name.text,
            nameTruncated: name.truncated,
            kind: KIND_BY_TYPE.get(m._archive_entry_filetype(entry) & AE_IFMT) ?? 'other',
            declaredSize: size >= 0 ? size : undefined,
            encrypted: m._archive_entry_is_encrypted(entry) > 0,
          },
        };
      });
      return isFailure(result) ? { type: 'failure', failure: result } : result;
    },

    readData(size) {
      const out = new Uint8Array(size);
      const result = guarded((): ReadFailure | undefined => {
        for (let offset = 0; offset < size; ) {
          const n = Math.min(chunkBytes, size - offset);
          // get_filedata does not check its malloc and would then write through NULL (heap
          // address 0, inside the sandbox but over libarchive's own data): probe first.
          const probe = m._malloc(n);
          if (probe === 0) return { kind: 'memory', message: `no WebAssembly memory for a ${n}-byte read` };
          m._free(probe);
          const ptr = m._get_filedata(archive, n);
          if (ptr <= 0) return lastError(`read failed (${ptr})`);
          out.set(m.HEAPU8.subarray(ptr, ptr + n), offset);
          m._free(ptr);
          offset += n;
        }
        return undefined;
      });
      return result === undefined ? { type: 'data', data: out } : { type: 'failure', failure: result };
    },

    skip() {
      const result = guarded(() => (m._archive_read_data_skip(archive) < 0 ? lastError('skip failed') : undefined));
      return result;
    },

    close() {
      if (dead === undefined && archive !== 0) {
        guarded(() => m._archive_close(archive));
      }
      archive = 0;
    },
  };
}
