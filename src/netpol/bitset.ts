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

/**
 * Sorted sets of small integers (class ids), for memberships that are sparse: a
 * selector over one namespace names a handful of classes out of tens of thousands,
 * so a bitset per rule would cost rules × classes.
 */
export type SortedSet = Int32Array;

/** Is `x` in the sorted set? (Binary search.) */
export function sortedHas(a: SortedSet, x: number): boolean {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = a[mid]!;
    if (v === x) return true;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The sorted set of the distinct values given (in any order). */
export function sortedSetOf(values: readonly number[] | Int32Array): SortedSet {
  const a = Int32Array.from(values).sort();
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) a[n++] = a[i]!;
  return n === a.length ? a : a.slice(0, n);
}

/** A hash of a sorted set's contents (FNV-1a over the values). */
export function sortedHash(a: SortedSet): number {
  let h = 0x811c9dc5 ^ a.length;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a[i]!, 0x01000193);
  return h >>> 0;
}

export function sortedEquals(a: SortedSet, b: SortedSet): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
