/**
 * A small seeded generator for the engines benchmark's corpus and signature
 * database. Math.random cannot be seeded, and the figures must come from the
 * same bytes every run, so this is xoshiro128** (public domain, Blackman and
 * Vigna) seeded by splitmix32: fast, 32-bit, good enough for test data.
 */

export interface SeededRandom {
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** Fills `target` with random bytes and returns it. */
  fill(target: Buffer): Buffer;
  /** `count` random bytes. */
  bytes(count: number): Buffer;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A generator whose whole output is fixed by `seed`. */
export function createSeededRandom(seed: number): SeededRandom {
  const init = splitmix32(seed);
  let s0 = init();
  let s1 = init();
  let s2 = init();
  let s3 = init();
  const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };
  const next = (): number => nextUint32() / 0x1_0000_0000;
  const fill = (target: Buffer): Buffer => {
    let i = 0;
    for (; i + 4 <= target.length; i += 4) target.writeUInt32LE(nextUint32(), i);
    if (i < target.length) {
      const last = nextUint32();
      for (let k = 0; i < target.length; i++, k++) target[i] = (last >>> (8 * k)) & 0xff;
    }
    return target;
  };
  return {
    nextUint32,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    fill,
    bytes: (count) => fill(Buffer.allocUnsafe(count)),
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
  };
}
