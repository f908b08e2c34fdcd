/**
 * Test-only builders for Office fixtures: compound files (written with the
 * `cfb` package, so the reader is checked against an independent writer),
 * MS-OVBA compression, VBA `dir` streams and BIFF8 records. Product code
 * does not import this file.
 */
import { Buffer } from 'node:buffer';
import cfb from 'cfb';
import type { ExpansionBudget } from '../../dissect/budget.js';
import { createExpansionBudget } from '../../dissect/budget.js';
import type { DissectContext } from '../../dissect/dissector.js';

/** Builds a compound file holding `streams` (paths `/`-separated, no leading slash); `clsids` by storage path. */
export function buildOle(streams: Readonly<Record<string, Uint8Array>>, clsids: Readonly<Record<string, string>> = {}): Buffer {
  const container = cfb.utils.cfb_new();
  for (const [path, content] of Object.entries(streams)) cfb.utils.cfb_add(container, `/${path}`, Buffer.from(content));
  cfb.utils.cfb_gc(container);
  for (const [path, clsid] of Object.entries(clsids)) {
    const i = container.FullPaths.findIndex((p) => p.endsWith(`/${path}/`));
    const entry = container.FileIndex[i];
    if (entry !== undefined) entry.clsid = clsid;
  }
  const out: unknown = cfb.write(container, { type: 'buffer' });
  if (!Buffer.isBuffer(out)) throw new Error('cfb.write did not return a Buffer');
  return out;
}

/** MS-OVBA compression (2.4.1.3.6 ff.), greedy longest match; a real compressor so copy tokens are exercised. */
export function compressOvba(data: Uint8Array): Buffer {
  const out: number[] = [0x01];
  for (let chunkStart = 0; chunkStart < data.length || (chunkStart === 0 && data.length === 0); chunkStart += 4096) {
    const chunk = data.subarray(chunkStart, chunkStart + 4096);
    const body: number[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const flagAt = body.length;
      body.push(0);
      let flags = 0;
      for (let bit = 0; bit < 8 && pos < chunk.length; bit++) {
        const bitCount = Math.max(Math.ceil(Math.log2(Math.max(pos, 1))), 4);
        const maxLength = (0xffff >> bitCount) + 3;
        const maxOffset = 1 << (16 - bitCount);
        let best = 0;
        let bestOffset = 0;
        for (let cand = pos - 1; cand >= 0 && pos - cand <= maxOffset; cand--) {
          let l = 0;
          while (l < maxLength && pos + l < chunk.length && chunk[cand + l] === chunk[pos + l]) l++;
          if (l > best) {
            best = l;
            bestOffset = pos - cand;
          }
        }
        if (best >= 3) {
          const token = ((bestOffset - 1) << (16 - bitCount)) | (best - 3);
          body.push(token & 0xff, token >> 8);
          flags |= 1 << bit;
          pos += best;
        } else {
          body.push(chunk[pos++] ?? 0);
        }
      }
      body[flagAt] = flags;
    }
    if (body.length > 4096) {
      const raw = Buffer.alloc(4096);
      raw.set(chunk);
      out.push(0xff, 0x3f, ...raw);
    } else if (chunk.length > 0) {
      const header = 0xb000 | (body.length - 1);
      out.push(header & 0xff, header >> 8, ...body);
    }
    if (data.length === 0) break;
  }
  return Buffer.from(out);
}

function record(id: number, data: Uint8Array): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt16LE(id, 0);
  head.writeUInt32LE(data.length, 2);
  return Buffer.concat([head, data]);
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};

export interface VbaModuleSpec {
  readonly name: string;
  readonly source: string;
  /** Bytes standing in for compiled p-code before the source (default 16 zero bytes). */
  readonly pcode?: Uint8Array;
  /** Store no source after the p-code (VBA stomping). */
  readonly stomp?: boolean;
}

/** Streams of a VBA project under `prefix` (e.g. `Macros/VBA`), with a real `dir` stream. */
export function buildVbaProject(prefix: string, modules: readonly VbaModuleSpec[]): Record<string, Buffer> {
  const parts: Buffer[] = [
    record(0x0001, u32(1)),
    record(0x0002, u32(0x409)),
    record(0x0014, u32(0x409)),
    record(0x0003, u16(1252)),
    record(0x0004, Buffer.from('VBAProject', 'latin1')),
    record(0x0005, Buffer.alloc(0)),
    record(0x0040, Buffer.alloc(0)),
    record(0x0006, u32(0)),
    record(0x0007, u32(0)),
    record(0x0008, u32(0)),
    // PROJECTVERSION: the size field is a reserved 4, then 6 bytes follow.
    Buffer.concat([u16(0x0009), u32(4), u32(1), u16(2)]),
    record(0x000c, Buffer.alloc(0)),
    record(0x003c, Buffer.alloc(0)),
    record(0x000f, u16(modules.length)),
    record(0x0013, u16(0xffff)),
  ];
  const streams: Record<string, Buffer> = {};
  for (const m of modules) {
    const pcode = Buffer.from(m.pcode ?? new Uint8Array(16));
    parts.push(
      record(0x0019, Buffer.from(m.name, 'latin1')),
      record(0x0047, Buffer.from(m.name, 'utf16le')),
      record(0x001a, Buffer.from(m.name, 'latin1')),
      record(0x0032, Buffer.from(m.name, 'utf16le')),
      record(0x001c, Buffer.alloc(0)),
      record(0x0048, Buffer.alloc(0)),
      record(0x0031, u32(pcode.length)),
      record(0x001e, u32(0)),
      record(0x002c, u16(0xffff)),
      record(0x0021, Buffer.alloc(0)),
      record(0x002b, Buffer.alloc(0)),
    );
    streams[`${prefix}/${m.name}`] = m.stomp === true ? pcode : Buffer.concat([pcode, compressOvba(Buffer.from(m.source, 'latin1'))]);
  }
  parts.push(record(0x0010, Buffer.alloc(0)));
  streams[`${prefix}/dir`] = compressOvba(Buffer.concat(parts));
  streams[`${prefix}/_VBA_PROJECT`] = Buffer.from([0xcc, 0x61, 0xff, 0xff, 0x00, 0x00, 0x00]);
  return streams;
}

/** A BIFF record (2-byte type, 2-byte length). */
export function biffRecord(type: number, data: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(type, 0);
  head.writeUInt16LE(data.length, 2);
  return Buffer.concat([head, data]);
}

/** BIFF8 BOF of the workbook globals (or another substream type). */
export function biffBof(dt = 0x0005): Buffer {
  const data = Buffer.alloc(16);
  data.writeUInt16LE(0x0600, 0);
  data.writeUInt16LE(dt, 2);
  return biffRecord(0x0809, data);
}

/** BIFF8 FORMAT record; `wide` stores the string as UTF-16 (as Excel must for characters past U+00FF). */
export function biffFormat(ifmt: number, code: string, wide = /[^\x00-\xff]/.test(code)): Buffer {
  const chars = wide ? Buffer.from(code, 'utf16le') : Buffer.from(code, 'latin1');
  return biffRecord(0x041e, Buffer.concat([u16(ifmt), u16(code.length), Buffer.from([wide ? 1 : 0]), chars]));
}

/** BIFF8 BOUNDSHEET record. */
export function biffSheet(name: string, type: 'worksheet' | 'macro', state: 'visible' | 'hidden' | 'very-hidden'): Buffer {
  const st = { visible: 0, hidden: 1, 'very-hidden': 2 }[state];
  return biffRecord(0x0085, Buffer.concat([u32(0), Buffer.from([st, type === 'macro' ? 1 : 0, name.length, 0]), Buffer.from(name, 'latin1')]));
}

/** BIFF8 NAME record: built-in (one code character) or spelled out. */
export function biffName(name: string | number): Buffer {
  const builtin = typeof name === 'number';
  const chars = builtin ? Buffer.from([name]) : Buffer.from(name, 'latin1');
  const head = Buffer.alloc(14);
  head.writeUInt16LE(builtin ? 0x0020 : 0, 0);
  head[3] = chars.length;
  return biffRecord(0x0018, Buffer.concat([head, Buffer.from([0]), chars]));
}

export const biffEof = (): Buffer => biffRecord(0x000a, Buffer.alloc(0));

/** A fresh dissect context with generous limits unless given. */
export function createContext(limits: Partial<ExpansionBudget['limits']> = {}): DissectContext {
  return {
    budget: createExpansionBudget({ maxTotalBytes: 64 * 1024 * 1024, maxEntries: 1000, maxDepth: 5, maxRatio: 200, maxMemberBytes: 32 * 1024 * 1024, ...limits }),
    passwords: [],
  };
}

/**
 * A hostile compound file: data sectors 0..data-1 chained i -> i-1 and 4*dirSectors-1 streams starting
 * at data-1, data-2, ...: every chain runs into all earlier ones. A reader without sector ownership
 * copies ~data^2/2 sectors (the `cfb` package needs seconds and gigabytes for data = 4000).
 */
export function buildMergingChainsOle(data: number, dirSectors: number): Buffer {
  const ssz = 512;
  const at = (n: number): number => (n + 1) * ssz;
  const total = data + dirSectors;
  const fatSectors = Math.ceil((total + 8) / 128);
  const file = Buffer.alloc(ssz * (1 + total + fatSectors));
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(file, 0);
  file.writeUInt16LE(0x3e, 0x18);
  file.writeUInt16LE(3, 0x1a);
  file.writeUInt16LE(0xfffe, 0x1c);
  file.writeUInt16LE(9, 0x1e);
  file.writeUInt16LE(6, 0x20);
  file.writeUInt32LE(fatSectors, 0x2c);
  file.writeUInt32LE(data, 0x30);
  file.writeUInt32LE(4096, 0x38);
  file.writeUInt32LE(0xfffffffe, 0x3c);
  file.writeUInt32LE(0xfffffffe, 0x44);
  for (let i = 0; i < 109; i++) file.writeUInt32LE(i < fatSectors ? total + i : 0xffffffff, 0x4c + i * 4);
  const setFat = (s: number, next: number): void => {
    file.writeUInt32LE(next, at(total + Math.floor(s / 128)) + (s % 128) * 4);
  };
  for (let s = 0; s < fatSectors * 128; s++) {
    if (s === 0 || s === total - 1) setFat(s, 0xfffffffe);
    else if (s < data) setFat(s, s - 1);
    else if (s < total) setFat(s, s + 1);
    else setFat(s, s < total + fatSectors ? 0xfffffffd : 0xffffffff);
  }
  const entries = dirSectors * 4;
  for (let id = 0; id < entries; id++) {
    const off = at(data) + id * 128;
    const name = id === 0 ? 'Root Entry' : `S${id}`;
    file.write(name, off, 'utf16le');
    file.writeUInt16LE((name.length + 1) * 2, off + 0x40);
    file[off + 0x42] = id === 0 ? 5 : 2;
    file.writeUInt32LE(0xffffffff, off + 0x44);
    file.writeUInt32LE(id === 0 || id === entries - 1 ? 0xffffffff : id + 1, off + 0x48);
    file.writeUInt32LE(id === 0 ? 1 : 0xffffffff, off + 0x4c);
    file.writeUInt32LE(id === 0 ? 0xfffffffe : data - id, off + 0x74);
    file.writeUInt32LE(id === 0 ? 0 : data * ssz, off + 0x78);
  }
  return file;
}
