/**
 * libarchive 3.7.2 compiled to WebAssembly (libarchive.js 2.0.2), started on
 * the calling thread. The package's own entry point spawns a worker thread of
 * its own, which would escape the analysis worker's heap limit and time budget;
 * loading the emscripten glue directly keeps every decode synchronous inside
 * our worker, so piscina's deadline (which terminates the thread) also stops
 * a decoder stuck in a loop.
 *
 * WebAssembly memory lives outside the V8 heap, so `resourceLimits` does not
 * bound it and this build lets it grow to 2 GiB. We refuse growth past a cap
 * by wrapping the one import through which the heap grows
 * (`emscripten_resize_heap`); malloc then fails inside libarchive, which
 * reports an error that we turn into a finding.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import startGlue from 'libarchive.js/src/webworker/wasm-gen/libarchive.js';
import type { LibarchiveGlueModule } from 'libarchive.js/src/webworker/wasm-gen/libarchive.js';

// The wasm-gen files of libarchive.js 2.0.2 (pinned). The import-object key of
// emscripten_resize_heap is minified; it is read from the glue's import table
// (`p: _emscripten_resize_heap`) and checked at start-up below.
const WASM_SPECIFIER = 'libarchive.js/src/webworker/wasm-gen/libarchive.wasm';
const RESIZE_HEAP_IMPORT = 'p';
const RESIZE_HEAP_NAME = '_emscripten_resize_heap';

/** The subset of the WebAssembly JS API we use; our tsconfig has no DOM lib that would declare it. */
interface WasmJsApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}
// Trust boundary: Node.js 20 always provides the WebAssembly global with this shape.
const wasm = (globalThis as unknown as { readonly WebAssembly: WasmJsApi }).WebAssembly;

let compiled: Promise<object> | undefined;

/** Compiles the module once per thread; instances are cheap (about 5 ms) and made per archive. */
function compileModule(): Promise<object> {
  if (compiled === undefined) {
    compiled = readFile(fileURLToPath(import.meta.resolve(WASM_SPECIFIER))).then((bytes) => new wasm.Module(bytes));
    // A failed compile (missing file) must not poison every later call in this thread.
    compiled.catch(() => {
      compiled = undefined;
    });
  }
  return compiled;
}

export interface LibarchiveInstance {
  readonly module: LibarchiveGlueModule;
  /** True once the heap cap refused a growth request (the archive needed more memory than allowed). */
  readonly memoryRefused: boolean;
}

/**
 * Starts a fresh libarchive instance whose heap may not grow past `maxMemoryBytes`
 * (emscripten over-allocates by at most 20 % of one growth step, so the true
 * ceiling is 1.2 × the cap). A fresh instance per archive means one archive's
 * heap state (or a trap that left it inconsistent) never reaches the next.
 */
export async function createLibarchiveInstance(maxMemoryBytes: number): Promise<LibarchiveInstance> {
  const compiledModule = await compileModule();
  let memoryRefused = false;
  const module = await startGlue({
    // libarchive's wrapper prints errors to stderr; they carry archive-derived text, and we
    // read the same errors through archive_error_string instead.
    print: () => undefined,
    printErr: () => undefined,
    quit: (_status, toThrow) => {
      throw toThrow;
    },
    instantiateWasm(imports, receive) {
      const resize = imports.a[RESIZE_HEAP_IMPORT];
      if (typeof resize !== 'function' || resize.name !== RESIZE_HEAP_NAME) {
        throw new Error('libarchive.js glue changed: emscripten_resize_heap import not found');
      }
      imports.a[RESIZE_HEAP_IMPORT] = (requested: number): unknown => {
        if (requested >>> 0 > maxMemoryBytes) {
          memoryRefused = true;
          return false;
        }
        return (resize as (size: number) => unknown)(requested);
      };
      const instance = new wasm.Instance(compiledModule, imports);
      receive(instance, compiledModule);
      return instance.exports;
    },
  });
  return {
    module,
    get memoryRefused() {
      return memoryRefused;
    },
  };
}
