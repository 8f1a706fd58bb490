/** Labels as Kubernetes stores them: string keys to string values. */
export type Labels = Readonly<Record<string, string>>;

/** The label the API server puts on every namespace (Kubernetes 1.22+). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A canonical string for a label set, usable as a map key: sorted `k=v` joined by newlines. */
export function labelsKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  let out = '';
  for (const k of keys) out += `${k}=${labels[k]!}\n`;
  return out;
}

/** `{app: web, tier: front}` — how labels are shown to people. */
export function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '{}';
  return `{${keys.map((k) => `${k}: ${labels[k]!}`).join(', ')}}`;
}
