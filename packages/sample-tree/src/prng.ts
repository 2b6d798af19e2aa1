/**
 * The seeded randomness every sample is drawn from: the same seed gives the
 * same bytes on every platform and Node version (no Math.random, no
 * crypto.randomBytes).
 */

/** 32-bit FNV-1a hash of the parts joined with '|': turns any seed into a number. */
export function seedFrom(...parts: Array<string | number>): number {
  const s = parts.map(String).join('|');
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: returns a function yielding uniform floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  const next = mulberry32u32(seed);
  return () => next() / 4294967296;
}

/** mulberry32 yielding unsigned 32-bit integers. */
export function mulberry32u32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Fill `buf` with bytes from a u32 generator (little-endian, platform independent). */
function fillBytes(next: () => number, buf: Buffer): Buffer {
  let i = 0;
  const n4 = buf.length & ~3;
  for (; i < n4; i += 4) {
    const x = next();
    buf[i] = x & 0xff;
    buf[i + 1] = (x >>> 8) & 0xff;
    buf[i + 2] = (x >>> 16) & 0xff;
    buf[i + 3] = x >>> 24;
  }
  if (i < buf.length) {
    let x = next();
    for (; i < buf.length; i++) {
      buf[i] = x & 0xff;
      x >>>= 8;
    }
  }
  return buf;
}

/** `n` seeded pseudo-random bytes. */
export function randomBytesFrom(seed: number, n: number): Buffer {
  return fillBytes(mulberry32u32(seed), Buffer.alloc(n));
}

/** `total` seeded bytes in chunks, for members too big to hold in memory at once. */
export function* randomChunks(seed: number, total: number, chunkSize = 64 * 1024): Iterable<Buffer> {
  const next = mulberry32u32(seed);
  for (let left = total; left > 0; left -= chunkSize) {
    yield fillBytes(next, Buffer.allocUnsafe(Math.min(chunkSize, left)));
  }
}

export function intIn(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function pick<T>(rng: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}

/** A UUID-shaped string (8-4-4-4-12 hex digits) drawn from `seed`. */
export function uuidFrom(seed: number): string {
  const h = randomBytesFrom(seed, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
