/** How label selectors are shown to people. */
import type { LabelSelector } from './networkpolicy.js';

/** `{app: web, tier in (a, b), !legacy}` — `{}` for the empty selector. */
export function describeLabelSelector(sel: LabelSelector): string {
  const parts: string[] = Object.keys(sel.matchLabels)
    .sort()
    .map((k) => `${k}: ${sel.matchLabels[k]!}`);
  for (const r of sel.matchExpressions) {
    switch (r.operator) {
      case 'In':
        parts.push(`${r.key} in (${r.values.join(', ')})`);
        break;
      case 'NotIn':
        parts.push(`${r.key} notin (${r.values.join(', ')})`);
        break;
      case 'Exists':
        parts.push(r.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${r.key}`);
        break;
    }
  }
  return `{${parts.join(', ')}}`;
}
