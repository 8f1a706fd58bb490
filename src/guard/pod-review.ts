/**
 * The part of a Pod's AdmissionReview that allowing it depends on, read without
 * the rest.
 *
 * A Pod review is ~4 KB and the decision to let a Pod in reads a few hundred bytes
 * of it: the request's identity, the Pod's metadata (name, namespace, labels,
 * annotations, deletionTimestamp) and `spec.hostNetwork`. Parsing all of it —
 * managedFields, every container's probes, volumes, tolerations, userInfo, the old
 * object of an UPDATE — was half of the guard's CPU per review. Here one pass over
 * the bytes finds the entries (tracking strings, escapes and brackets, not
 * building anything), and a JSON text of only the entries the decision reads goes
 * through JSON.parse, which validates and builds them.
 *
 * This is a digest, not a parse: the server decides on it only when the answer is
 * a plain allow. Every other answer (a denial with its fix, which lists container
 * ports; a warning; anything undecided) and every review this cannot read (not a
 * Pod, a byte outside ASCII, an escaped key, a structure it does not recognise,
 * JSON.parse refusing the digest) is decided again from the full parse. So each
 * denial and each 400 comes from JSON.parse of the whole body; what the digest
 * does not check is the syntax of values it skips (a container's probe, say): a
 * Pod whose metadata allows it is allowed even if such a value were malformed,
 * which the API server, the only client, never sends.
 */

/** What to keep of an object: entries dropped by key, and the objects reduced by their own rule. */
interface Reduce {
  readonly drop?: readonly string[];
  readonly into?: readonly (readonly [string, Reduce])[];
}

/**
 * What `decide` does not read to allow a Pod: the request's userInfo, options
 * and old object, the Pod's status and managedFields, and the lists and objects
 * of its spec (containers with their ports are read for a denial's fix, which
 * comes from the full parse). Scalars of the spec — hostNetwork among them — stay.
 */
export const POD_REVIEW_DROPS: Reduce = {
  into: [
    [
      'request',
      {
        drop: ['userInfo', 'options', 'oldObject'],
        into: [
          [
            'object',
            {
              drop: ['status'],
              into: [
                ['metadata', { drop: ['managedFields'] }],
                [
                  'spec',
                  {
                    drop: [
                      'containers',
                      'initContainers',
                      'ephemeralContainers',
                      'volumes',
                      'tolerations',
                      'affinity',
                      'topologySpreadConstraints',
                      'securityContext',
                      'dnsConfig',
                      'hostAliases',
                      'imagePullSecrets',
                      'readinessGates',
                      'resourceClaims',
                      'schedulingGates',
                      'overhead',
                      'nodeSelector',
                      'resources',
                      'os',
                    ],
                  },
                ],
              ],
            },
          ],
        ],
      },
    ],
  ],
};

const QUOTE = 34;
const MAX_DEPTH = 64;
const BACKSLASH = 92;

/** The scan cannot read this body: decide from the full parse. */
class Unreadable extends Error {}
const UNREADABLE = new Unreadable('not digestible');

class Digest {
  pos = 0;
  private readonly b: Uint8Array;
  /** Closing brackets expected, innermost last; deeper nesting than this is not a Pod review's. */
  private readonly open = new Uint8Array(MAX_DEPTH);
  private readonly s: string;

  constructor(bytes: Uint8Array, text: string) {
    this.b = bytes;
    this.s = text;
  }

  ws(i: number): number {
    const b = this.b;
    for (;;) {
      const c = b[i];
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else return i;
    }
  }

  /** From an opening quote: sets `pos` after the closing one; returns whether there were escapes. */
  private string(i: number): boolean {
    const b = this.b;
    const n = b.length;
    let escaped = false;
    for (let k = i + 1; k < n; k++) {
      const c = b[k];
      if (c === QUOTE) {
        this.pos = k + 1;
        return escaped;
      }
      if (c === BACKSLASH) {
        escaped = true;
        k++;
      }
    }
    throw UNREADABLE;
  }

  /** Skips the value at `i` (strings, and brackets matched by kind; scalars up to the next delimiter); sets `pos`. */
  private skip(i: number): void {
    const b = this.b;
    const n = b.length;
    const c0 = b[i];
    if (c0 === QUOTE) {
      this.string(i);
      return;
    }
    if (c0 !== 123 && c0 !== 91) {
      // A scalar: up to a delimiter. JSON.parse judges it if it is kept.
      while (i < n) {
        const c = b[i];
        if (c === 44 || c === 125 || c === 93 || c === 32 || c === 10 || c === 13 || c === 9) break;
        i++;
      }
      this.pos = i;
      return;
    }
    // One tight loop: this is where the bytes of a review go by.
    const open = this.open;
    let depth = 0;
    for (; i < n; i++) {
      const c = b[i];
      if (c === QUOTE) {
        for (i++; i < n; i++) {
          const d = b[i];
          if (d === QUOTE) break;
          if (d === BACKSLASH) i++;
        }
      } else if (c === 123 || c === 91) {
        if (depth === open.length) throw UNREADABLE;
        open[depth++] = c + 2;
      } else if (c === 125 || c === 93) {
        if (depth === 0 || open[--depth] !== c) throw UNREADABLE;
        if (depth === 0) {
          this.pos = i + 1;
          return;
        }
      }
    }
    throw UNREADABLE;
  }

  /** Whether the key between `from` and `to` (inside its quotes) is `name`. */
  private keyIs(from: number, to: number, name: string): boolean {
    return to - from === name.length && this.s.startsWith(name, from);
  }

  private anyKey(from: number, to: number, names: readonly string[] | undefined): boolean {
    if (names) for (const name of names) if (this.keyIs(from, to, name)) return true;
    return false;
  }

  /**
   * The object at `i` reduced by `rule`, as JSON text; sets `pos` after it. Kept
   * entries next to each other are copied as one slice, commas included.
   */
  object(i: number, rule: Reduce): string {
    const b = this.b;
    const s = this.s;
    if (b[i] !== 123) throw UNREADABLE;
    i = this.ws(i + 1);
    if (b[i] === 125) {
      this.pos = i + 1;
      return '{}';
    }
    let out = '';
    let runStart = -1;
    let runEnd = -1;
    const flush = (): void => {
      if (runStart < 0) return;
      out += (out === '' ? '' : ',') + s.slice(runStart, runEnd);
      runStart = -1;
    };
    for (;;) {
      if (b[i] !== QUOTE) throw UNREADABLE;
      const keyStart = i;
      // An escaped key could spell a name compared against here: not worth reading.
      if (this.string(i)) throw UNREADABLE;
      const keyEnd = this.pos;
      i = this.ws(keyEnd);
      if (b[i] !== 58) throw UNREADABLE;
      const valueStart = this.ws(i + 1);
      let sub: Reduce | undefined;
      if (rule.into) for (const [name, r] of rule.into) if (this.keyIs(keyStart + 1, keyEnd - 1, name)) sub = r;
      if (sub !== undefined && b[valueStart] === 123) {
        const reduced = this.object(valueStart, sub);
        flush();
        out += `${out === '' ? '' : ','}${s.slice(keyStart, keyEnd)}:${reduced}`;
      } else {
        this.skip(valueStart);
        const keep = sub !== undefined || !this.anyKey(keyStart + 1, keyEnd - 1, rule.drop);
        if (!keep) flush();
        else if (runStart < 0) runStart = keyStart;
        runEnd = this.pos;
      }
      i = this.ws(this.pos);
      if (b[i] === 125) {
        this.pos = i + 1;
        flush();
        return `{${out}}`;
      }
      if (b[i] !== 44) throw UNREADABLE;
      i = this.ws(i + 1);
    }
  }
}

/**
 * The digest of a Pod review (see the module comment), or undefined when the
 * body is not one this can read: the caller then parses it whole. `text` is the
 * body as a string with one character per byte (it is used only when every byte
 * is ASCII, which the caller checks).
 */
export function digestPodReview(bytes: Uint8Array, text: string): Record<string, unknown> | undefined {
  const d = new Digest(bytes, text);
  let json: string;
  try {
    json = d.object(d.ws(0), POD_REVIEW_DROPS);
    if (d.ws(d.pos) !== bytes.length) return undefined;
  } catch (e) {
    if (e instanceof Unreadable) return undefined;
    throw e;
  }
  let review: unknown;
  try {
    review = JSON.parse(json);
  } catch {
    return undefined;
  }
  const request = (review as { request?: { kind?: { group?: unknown; kind?: unknown } } }).request;
  if (request?.kind?.kind !== 'Pod' || (request.kind.group ?? '') !== '') return undefined;
  return review as Record<string, unknown>;
}
