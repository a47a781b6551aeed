import { createHash } from 'node:crypto';

/**
 * Seeded pseudo-random numbers. Every random choice in tinyops draws from a Prng derived
 * from (pipeline seed, stage name, purpose key), so the same config gives the same bytes
 * (docs/architecture.md#reproducibility). Generator: sfc32 (small, fast, passes PractRand),
 * seeded from sha256 of the derivation path so that nearby seeds are uncorrelated.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seedWords: readonly [number, number, number, number]) {
    [this.a, this.b, this.c, this.d] = seedWords.map((w) => w >>> 0) as [number, number, number, number];
    for (let i = 0; i < 12; i++) this.nextUint32(); // warm up
  }

  /** A generator for a named sub-purpose; independent of this generator's state. */
  static derive(...path: ReadonlyArray<string | number>): Prng {
    const h = createHash('sha256').update(path.map(String).join('\u0000')).digest();
    return new Prng([h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12)]);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer uniform in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Prng.pick: empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Fisher–Yates shuffle, in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}
