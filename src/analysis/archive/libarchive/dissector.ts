/**
 * The long-tail dissector: 7z, rar 4/5, cab and ISO 9660 images through
 * libarchive compiled to WebAssembly, run on the worker's own thread (see
 * wasm.ts). Images with a UDF file system go to the UDF dissector instead.
 */
import { escapeForDisplay } from '../../../core/index.js';
import type { Finding } from '../../../core/index.js';
import type { DissectContext, DissectResult, DissectSubject, Dissector, Member } from '../../dissect/dissector.js';
import { openArchive } from './archive-reader.js';
import type { RawEntry, ReadFailure } from './archive-reader.js';
import { createLibarchiveFinding } from './findings.js';
import type { LibarchiveSymbol } from './findings.js';
import { readRecognition } from '../udf/index.js';
import { detectLibarchiveFormat, findSystemAreaContainer } from './magic.js';
import { createLibarchiveInstance } from './wasm.js';

export interface LibarchiveDissectorOptions {
  /**
   * Largest WebAssembly heap one archive may use. The heap sits outside the V8
   * heap limit, so this is what bounds a decoder whose header asks for a huge
   * dictionary (7z LZMA declares its own). Default 256 MiB; emscripten may
   * overshoot one growth step by 20 %.
   */
  readonly maxWasmMemoryBytes?: number;
  /** Bytes copied out of the WASM heap per read call. Default 1 MiB. */
  readonly readChunkBytes?: number;
  /** Passwords tried on encrypted archives, at most. Default 20. */
  readonly maxPasswords?: number;
}

export const DEFAULT_MAX_WASM_MEMORY_BYTES = 256 * 1024 * 1024;
const DEFAULT_READ_CHUNK_BYTES = 1024 * 1024;
const DEFAULT_MAX_PASSWORDS = 20;
// An empty 7z is 32 bytes, an empty rar5 or cab well under 64: anything larger that lists
// nothing holds bytes libarchive did not account for.
const EMPTY_ARCHIVE_MAX_BYTES = 64;
// Names quoted in one finding's detail; the rest are counted.
const MAX_NAMES_IN_DETAIL = 10;

// libarchive phrases meaning "this is encrypted" rather than "this is broken"
// (7zip: "The archive header is encrypted, but currently not supported",
// rar: "Encryption is not supported", zip: "Incorrect passphrase").
const ENCRYPTION_MESSAGE = /encrypt|passphrase|password/i;
const DECRYPTION_UNSUPPORTED = /not supported|unsupported/i;

interface WalkedEntry {
  readonly raw: RawEntry;
  content?: Uint8Array;
  locked: boolean;
  openedWithPassword: boolean;
}

interface WalkState {
  readonly entries: WalkedEntry[];
  readonly dataFailures: { readonly name: string; readonly failure: ReadFailure }[];
  listFailure?: ReadFailure;
}

/** Creates the dissector for 7z, rar 4/5, cab and ISO 9660 / UDF images (chosen by magic bytes). */
export function createLibarchiveDissector(options: LibarchiveDissectorOptions = {}): Dissector {
  const maxWasmMemoryBytes = options.maxWasmMemoryBytes ?? DEFAULT_MAX_WASM_MEMORY_BYTES;
  const chunkBytes = options.readChunkBytes ?? DEFAULT_READ_CHUNK_BYTES;
  const maxPasswords = options.maxPasswords ?? DEFAULT_MAX_PASSWORDS;

  return {
    name: 'libarchive',
    // Images with a UDF file system (UDF-only or ISO/UDF bridge) belong to the UDF
    // dissector: it reads the tree Windows mounts and compares the ISO side with it.
    accepts: (subject) => detectLibarchiveFormat(subject.content) !== undefined && !readRecognition(subject.content).udf,
    async dissect(subject, ctx) {
      const findings: Finding[] = [];
      const add = (symbol: LibarchiveSymbol, detail: string): void => {
        findings.push(createLibarchiveFinding(symbol, detail, subject.path));
      };
      const format = detectLibarchiveFormat(subject.content);
      if (format === 'iso9660' || format === 'udf') {
        const other = findSystemAreaContainer(subject.content);
        if (other !== undefined) {
          add('PARSER_CONFUSION', `disk image whose system area also starts a ${other}: tools disagree on what this file contains`);
        }
      }

      const state = await walk(subject, ctx, { maxWasmMemoryBytes, chunkBytes });
      if (state.entries.some((e) => e.locked) && ctx.passwords.length > 0) {
        await tryPasswords(subject, ctx, state, { maxWasmMemoryBytes, chunkBytes }, ctx.passwords.slice(0, maxPasswords));
      }
      if (state.entries.length === 0 && state.listFailure === undefined && subject.content.length > EMPTY_ARCHIVE_MAX_BYTES) {
        // Recognised by magic, yet libarchive saw a clean, empty archive: bytes it did not
        // account for, which another tool (7-Zip recovers broken start headers) may read.
        add('LIBARCHIVE_NOTHING_LISTED', `${subject.content.length} bytes, but libarchive listed no member`);
      }
      reportFailures(state, add);
      reportEncryption(state, add);
      return { members: state.entries.map(toMember), findings } satisfies DissectResult;
    },
  };
}

interface WalkOptions {
  readonly maxWasmMemoryBytes: number;
  readonly chunkBytes: number;
}

/** First pass: list every entry, charge it, extract what is not encrypted. */
async function walk(subject: DissectSubject, ctx: DissectContext, options: WalkOptions): Promise<WalkState> {
  const state: WalkState = { entries: [], dataFailures: [] };
  const instance = await createLibarchiveInstance(options.maxWasmMemoryBytes);
  const reader = openArchive(instance, subject.content, options.chunkBytes);
  try {
    for (;;) {
      const next = reader.next();
      if (next.type === 'end') break;
      if (next.type === 'failure') {
        state.listFailure = next.failure;
        break;
      }
      ctx.budget.chargeEntry();
      const raw = next.entry;
      const walked: WalkedEntry = { raw, locked: false, openedWithPassword: false };
      state.entries.push(walked);
      if (raw.kind !== 'file') continue;
      if (raw.encrypted) {
        walked.locked = true;
        const failure = reader.skip();
        // libarchive cannot skip an encrypted solid 7z folder without decoding it; the next
        // header read then tells whether the listing can go on.
        if (failure !== undefined && !ENCRYPTION_MESSAGE.test(failure.message)) {
          state.listFailure = failure;
          break;
        }
        continue;
      }
      const result = readMember(reader, raw, subject, ctx);
      if (result.type === 'data') {
        walked.content = result.data;
      } else if (ENCRYPTION_MESSAGE.test(result.failure.message)) {
        // Some readers only notice encryption when the data is read.
        walked.locked = true;
      } else {
        state.dataFailures.push({ name: raw.name, failure: result.failure });
        // After a trap the instance is gone; after a fatal error libarchive refuses more headers.
        if (result.failure.kind === 'trap') break;
      }
    }
  } finally {
    reader.close();
  }
  return state;
}

function readMember(reader: ReturnType<typeof openArchive>, raw: RawEntry, subject: DissectSubject, ctx: DissectContext) {
  // The container's size is an upper bound on any member's compressed size, so the ratio
  // check here can only under-estimate; total bytes still stop a bomb. A size the build
  // could not represent (>= 2 GiB) is over every sane member limit.
  const declared = raw.declaredSize ?? Number.MAX_SAFE_INTEGER;
  ctx.budget.checkMember(subject.content.length, declared);
  ctx.budget.chargeBytes(declared);
  return reader.readData(declared);
}

/** Further passes, one per quoted password, reading only the members still locked. */
async function tryPasswords(subject: DissectSubject, ctx: DissectContext, state: WalkState, options: WalkOptions, passwords: readonly string[]): Promise<void> {
  for (const password of passwords) {
    if (!state.entries.some((e) => e.locked)) return;
    const instance = await createLibarchiveInstance(options.maxWasmMemoryBytes);
    const reader = openArchive(instance, subject.content, options.chunkBytes, password);
    try {
      for (const walked of state.entries) {
        const next = reader.next();
        // The listing must match the first pass entry for entry, or this password's reading is not the same archive.
        if (next.type !== 'entry' || next.entry.name !== walked.raw.name) break;
        if (!walked.locked) {
          if (reader.skip() !== undefined) break;
          continue;
        }
        // A wrong password must not spend the budget: check that the member fits, read, then charge.
        const declared = walked.raw.declaredSize ?? Number.MAX_SAFE_INTEGER;
        ctx.budget.checkMember(subject.content.length, declared);
        if (declared > ctx.budget.remainingBytes()) ctx.budget.chargeBytes(declared);
        const result = reader.readData(declared);
        if (result.type === 'failure') {
          // libarchive 3.7 decrypts zip only; for 7z and rar it says so, whatever the password.
          if (DECRYPTION_UNSUPPORTED.test(result.failure.message)) return;
          break;
        }
        ctx.budget.chargeBytes(declared);
        walked.content = result.data;
        walked.locked = false;
        walked.openedWithPassword = true;
      }
    } finally {
      reader.close();
    }
  }
}

function reportFailures(state: WalkState, add: (symbol: LibarchiveSymbol, detail: string) => void): void {
  const failures = [...state.dataFailures.map((f) => f.failure), ...(state.listFailure === undefined ? [] : [state.listFailure])];
  const memory = failures.find((f) => f.kind === 'memory');
  if (memory !== undefined) {
    add('LIBARCHIVE_MEMORY_LIMIT', `the decoder needed more WebAssembly memory than allowed: ${escapeForDisplay(memory.message)}`);
  }
  const trap = failures.find((f) => f.kind === 'trap');
  if (trap !== undefined) {
    add('LIBARCHIVE_DECODER_TRAP', `libarchive trapped while decoding (a crafted file or a decoder bug): ${escapeForDisplay(trap.message)}`);
  }
  const dataErrors = state.dataFailures.filter((f) => f.failure.kind === 'error');
  const first = dataErrors[0];
  if (first !== undefined) {
    add('LIBARCHIVE_DATA_ERROR', `${dataErrors.length} member(s) could not be extracted and were not scanned, first ${escapeForDisplay(first.name)}: ${escapeForDisplay(first.failure.message)}`);
  }
  const list = state.listFailure;
  if (list !== undefined && list.kind === 'error' && dataErrors.length === 0 && !ENCRYPTION_MESSAGE.test(list.message)) {
    const symbol: LibarchiveSymbol = state.entries.length === 0 ? 'LIBARCHIVE_UNREADABLE' : 'LIBARCHIVE_MALFORMED';
    add(symbol, `listing stopped after ${state.entries.length} member(s): ${escapeForDisplay(list.message)}`);
  }
  const longNames = state.entries.filter((e) => e.raw.nameTruncated).length;
  if (longNames > 0) {
    add('LIBARCHIVE_MALFORMED', `${longNames} member name(s) longer than 64 KiB (cut for analysis)`);
  }
}

function reportEncryption(state: WalkState, add: (symbol: LibarchiveSymbol, detail: string) => void): void {
  const list = state.listFailure;
  if (state.entries.length === 0 && list?.kind === 'error' && ENCRYPTION_MESSAGE.test(list.message)) {
    add('ENCRYPTED_ARCHIVE', 'encrypted archive; member names are encrypted too, nothing inside was scanned');
    add('LIBARCHIVE_NAMES_ENCRYPTED', `member names are hidden by header encryption: ${escapeForDisplay(list.message)}`);
    return;
  }
  const locked = state.entries.filter((e) => e.locked);
  if (locked.length > 0) {
    const shown = locked.slice(0, MAX_NAMES_IN_DETAIL).map((e) => escapeForDisplay(e.raw.name, 120));
    const more = locked.length > shown.length ? ` and ${locked.length - shown.length} more` : '';
    const stopped = list !== undefined && ENCRYPTION_MESSAGE.test(list.message) ? '; listing stopped at encrypted data, later members not visible' : '';
    add('ENCRYPTED_ARCHIVE', `${locked.length} encrypted member(s) not scanned: ${shown.join(', ')}${more}${stopped}`);
  }
  const opened = state.entries.filter((e) => e.openedWithPassword).length;
  if (opened > 0) {
    add('ENCRYPTED_ARCHIVE_OPENED', `${opened} encrypted member(s) opened with a password quoted in the message and scanned`);
  }
}

function toMember(walked: WalkedEntry): Member {
  const { raw } = walked;
  const base: Member = { name: raw.name, kind: raw.kind };
  return {
    ...base,
    ...(raw.declaredSize === undefined ? {} : { declaredSize: raw.declaredSize }),
    ...(walked.content === undefined ? {} : { content: walked.content }),
    ...(raw.encrypted || walked.locked || walked.openedWithPassword ? { encrypted: true } : {}),
    ...(walked.openedWithPassword ? { openedWithPassword: true } : {}),
  };
}
