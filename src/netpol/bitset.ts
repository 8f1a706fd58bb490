/** A fixed-size set of small integers, for class membership in hot loops. */
export type Bitset = Uint32Array;

export const newBitset = (size: number): Bitset => new Uint32Array((size + 31) >>> 5);
export const bitHas = (b: Bitset, i: number): boolean => (b[i >>> 5]! & (1 << (i & 31))) !== 0;
export function bitSet(b: Bitset, i: number): void {
  b[i >>> 5]! |= 1 << (i & 31);
}

/** Calls `fn` for every member, in increasing order. */
export function bitForEach(b: Bitset, fn: (i: number) => void): void {
  for (let w = 0; w < b.length; w++) {
    let word = b[w]!;
    while (word !== 0) {
      const t = word & -word;
      fn((w << 5) + (31 - Math.clz32(t)));
      word ^= t;
    }
  }
}

export function bitCount(b: Bitset): number {
  let n = 0;
  for (let w = 0; w < b.length; w++) {
    let v = b[w]!;
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}
