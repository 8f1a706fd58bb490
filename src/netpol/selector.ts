/** Label selector matching and description (metav1.LabelSelector semantics). */
import type { LabelSelector } from '../model/networkpolicy.js';
import type { Labels } from '../model/labels.js';
import { describeLabelSelector } from '../model/selector-text.js';

import { matches } from '../model/label-match.js';

export { matches, matchesLookup } from '../model/label-match.js';

export function isEmptySelector(sel: LabelSelector): boolean {
  return Object.keys(sel.matchLabels).length === 0 && sel.matchExpressions.length === 0;
}

/** `{app: web, tier in (a, b), !legacy}` — `{}` for the empty selector. */
export const describeSelector = describeLabelSelector;

/** A canonical key: selectors that mean the same get the same key. */
export function selectorKey(sel: LabelSelector): string {
  const ml = Object.keys(sel.matchLabels)
    .sort()
    .map((k) => `${k}=${sel.matchLabels[k]!}`)
    .join(',');
  const me = sel.matchExpressions
    .map((r) => `${r.key} ${r.operator} ${[...r.values].sort().join('|')}`)
    .sort()
    .join(',');
  return `${ml};${me}`;
}

/** Which requirement fails first, for explanations: `app=api (the pod has app=web)`. */
export function whyNotMatched(sel: LabelSelector, labels: Labels): string | undefined {
  for (const k of Object.keys(sel.matchLabels).sort()) {
    const v = labels[k];
    if (v !== sel.matchLabels[k]) return v === undefined ? `needs ${k}=${sel.matchLabels[k]!}, label ${k} is absent` : `needs ${k}=${sel.matchLabels[k]!}, has ${k}=${v}`;
  }
  for (const r of sel.matchExpressions) {
    const one: LabelSelector = { matchLabels: {}, matchExpressions: [r] };
    if (!matches(one, labels)) {
      const v = labels[r.key];
      const has = v === undefined ? `label ${r.key} is absent` : `has ${r.key}=${v}`;
      return `needs ${describeSelector(one).slice(1, -1)}, ${has}`;
    }
  }
  return undefined;
}
