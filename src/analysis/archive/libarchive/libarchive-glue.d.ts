// Types for the emscripten glue that ships inside libarchive.js 2.0.2
// (`src/webworker/wasm-gen/libarchive.js`, MODULARIZE + EXPORT_ES6). Only the
// members Moat uses are declared; see wasm.ts for why we load the glue directly
// instead of the package's worker-based entry point.
declare module 'libarchive.js/src/webworker/wasm-gen/libarchive.js' {
  /** Emscripten Module options honoured by this glue version. */
  export interface LibarchiveGlueOptions {
    print?: (text: string) => void;
    printErr?: (text: string) => void;
    /** Called for exit(); the default sets process.exitCode, which a library must never do. */
    quit?: (status: number, toThrow: unknown) => void;
    /** Replaces the glue's own fetch/compile: `imports.a` is the import object, `receive` finishes start-up. */
    instantiateWasm?: (imports: { a: Record<string, unknown> }, receive: (instance: unknown, module?: unknown) => unknown) => unknown;
  }

  /** The started module: the exported C functions (wrapper + libarchive) and the heap view. */
  export interface LibarchiveGlueModule {
    /** Replaced by the glue whenever memory grows: always read it afresh. */
    readonly HEAPU8: Uint8Array;
    _malloc(size: number): number;
    _free(ptr: number): void;
    _get_version(): number;
    /** `archive_open(buf, size, passphrase, locale)`: read_new + support_*_all + open_memory. */
    _archive_open(buf: number, size: number, passphrase: number, locale: number): number;
    /** NULL at end of archive and on any error (check `_archive_error_string`). */
    _get_next_entry(archive: number): number;
    /** `malloc(size)` + one `archive_read_data` into it; a negative value is the libarchive error code. */
    _get_filedata(archive: number, size: number): number;
    _archive_read_data_skip(archive: number): number;
    _archive_close(archive: number): void;
    _archive_error_string(archive: number): number;
    _archive_read_has_encrypted_entries(archive: number): number;
    _archive_entry_is_encrypted(entry: number): number;
    /** int64 legalised to its low 32 bits (signed) by this build. */
    _archive_entry_size(entry: number): number;
    _archive_entry_filetype(entry: number): number;
    _archive_entry_pathname(entry: number): number;
    _archive_entry_pathname_utf8(entry: number): number;
  }

  const libarchive: (options: LibarchiveGlueOptions) => Promise<LibarchiveGlueModule>;
  export default libarchive;
}
