/**
 * Reading untyped Kubernetes objects: fields by path, annotations, names, and the
 * small text helpers (quoting, lists) the checks' messages use. Every other file
 * of the exposure model reads objects through these.
 */
import type { LoadedObject } from '../model/kube.js';
import type { LabelSelector, LabelSelectorRequirement } from '../model/networkpolicy.js';
import { dig, isRecord, str } from '../model/json.js';

export type Json = Record<string, unknown>;

/** Follows a path of keys and indexes; undefined as soon as one is missing. */
export const field = (v: unknown, ...path: readonly (string | number)[]): unknown => dig(v, path);

export { str };

/** A list's items (an empty list for anything that is not one). */
export function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

export function annotationsOf(o: LoadedObject): Readonly<Record<string, string>> {
  return o.object.metadata.annotations ?? {};
}

export function annotation(o: LoadedObject, key: string): string | undefined {
  return annotationsOf(o)[key];
}

/** The field path of an annotation, for `inventory.locate` (keys with dots are resolved by the locator). */
export function annotationPath(key: string): string {
  return `metadata.annotations.${key}`;
}

export function nsOf(o: LoadedObject): string {
  return o.object.metadata.namespace ?? 'default';
}

export function nameOf(o: LoadedObject): string {
  return o.object.metadata.name;
}

/** `Ingress backoffice/admin`, `ClusterIssuer letsencrypt-prod`. */
export function describe(o: LoadedObject): string {
  const ns = o.object.metadata.namespace;
  return ns === undefined ? `${o.object.kind} ${o.object.metadata.name}` : `${o.object.kind} ${ns}/${o.object.metadata.name}`;
}

/** A YAML double-quoted scalar. */
export function q(s: string): string {
  return JSON.stringify(s);
}

/**
 * A `metav1.LabelSelector` (`matchLabels`, `matchExpressions` with In, NotIn,
 * Exists, DoesNotExist) read from an untyped field; malformed entries are left out.
 */
export function selectorOf(raw: unknown): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const ml = field(raw, 'matchLabels');
  if (isRecord(ml)) for (const [k, v] of Object.entries(ml)) if (typeof v === 'string') matchLabels[k] = v;
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const e of list(field(raw, 'matchExpressions'))) {
    const key = str(field(e, 'key'));
    const op = field(e, 'operator');
    if (!key || (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist')) continue;
    matchExpressions.push({ key, operator: op, values: list(field(e, 'values')).filter((v): v is string => typeof v === 'string') });
  }
  return { matchLabels, matchExpressions };
}

/** Distinct values, in first-seen order. */
export function unique<T>(xs: Iterable<T>): T[] {
  return [...new Set(xs)];
}

/** `a.example.com, b.example.com` (at most `max`, then `and N more`). */
export function joinList(xs: readonly string[], max = 5): string {
  if (xs.length <= max) return xs.join(', ');
  return `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
}
