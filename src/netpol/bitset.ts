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
