/**
 * IPv4 and IPv6 addresses and CIDRs as integer ranges (bigint), so that
 * ipBlock arithmetic (cidr minus except, overlaps, containment) is exact.
 */
export type IpFamily = 4 | 6;

export interface Cidr {
  readonly family: IpFamily;
  readonly prefix: number;
  /** First address of the block. */
  readonly start: bigint;
  /** Last address of the block (inclusive). */
  readonly end: bigint;
  /** Canonical text, host bits cleared: `10.0.0.0/8`. */
  readonly text: string;
  /** The input had bits set below the prefix (`10.0.0.1/8`), which the API server masks off. */
  readonly hostBitsSet: boolean;
}

export const FAMILY_BITS: Readonly<Record<IpFamily, number>> = { 4: 32, 6: 128 };

const IPV4 = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

function parseIpv4(s: string): bigint | undefined {
  // Leading zeros are rejected by Go's net.ParseIP since 1.17 (and by the API server).
  const m = IPV4.exec(s);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const n = Number(m[i]);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return BigInt(v);
}

function parseIpv6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined; // zones have no place in a policy
  let head = s;
  let tailV4: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    tailV4 = parseIpv4(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = s.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return undefined;
  let groups: string[];
  if (dbl >= 0) {
    const left = head.slice(0, dbl) === '' ? [] : head.slice(0, dbl).split(':');
    const right = head.slice(dbl + 2) === '' ? [] : head.slice(dbl + 2).split(':');
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  } else {
    groups = head.split(':');
  }
  if (groups.length !== 8) return undefined;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

/** Parses an IP address: `{family, value}`, or undefined when it is not one. */
export function parseIp(s: string): { family: IpFamily; value: bigint } | undefined {
  if (s.includes(':')) {
    const v = parseIpv6(s);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseIpv4(s);
  return v === undefined ? undefined : { family: 4, value: v };
}

export function formatIp(family: IpFamily, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((sh) => String((value >> sh) & 255n)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parses `addr/prefix`. Returns the block, or a sentence saying what is wrong. */
export function parseCidr(s: string): Cidr | string {
  const slash = s.indexOf('/');
  if (slash < 0) return 'missing the /prefix length';
  const addr = parseIp(s.slice(0, slash));
  if (!addr) return `"${s.slice(0, slash)}" is not an IP address`;
  const prefixText = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return `"${prefixText}" is not a prefix length`;
  const prefix = Number(prefixText);
  const bits = FAMILY_BITS[addr.family];
  if (prefix > bits) return `prefix length ${prefix} is longer than ${bits} bits`;
  return cidrOf(addr.family, addr.value, prefix);
}

/** The block of `prefix` bits around `value`. */
export function cidrOf(family: IpFamily, value: bigint, prefix: number): Cidr {
  const bits = BigInt(FAMILY_BITS[family]);
  const hostBits = bits - BigInt(prefix);
  const size = 1n << hostBits;
  const start = (value >> hostBits) << hostBits;
  return {
    family,
    prefix,
    start,
    end: start + size - 1n,
    text: `${formatIp(family, start)}/${prefix}`,
    hostBitsSet: start !== value,
  };
}

/** The whole address space of a family: 0.0.0.0/0 or ::/0. */
export function allOf(family: IpFamily): Cidr {
  return cidrOf(family, 0n, 0);
}

/** Splits an inclusive range into the fewest CIDR blocks that cover it exactly. */
export function rangeToCidrs(family: IpFamily, start: bigint, end: bigint): Cidr[] {
  const bits = FAMILY_BITS[family];
  const out: Cidr[] = [];
  let cur = start;
  while (cur <= end) {
    let host = 0;
    while (host < bits) {
      const size = 1n << BigInt(host + 1);
      if (cur % size !== 0n || cur + size - 1n > end) break;
      host++;
    }
    out.push(cidrOf(family, cur, bits - host));
    cur += 1n << BigInt(host);
  }
  return out;
}

/** Whether every address of `inner` is in `outer` (same family). */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.family === outer.family && inner.start >= outer.start && inner.end <= outer.end;
}
