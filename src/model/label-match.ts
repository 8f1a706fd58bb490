/** Label selector matching (metav1.LabelSelector semantics), for the model and the engine alike. */
import type { LabelSelector } from './networkpolicy.js';
import type { Labels } from './labels.js';

/**
 * Does the selector match the labels? Every matchLabels entry and every
 * requirement must hold; `NotIn` and `DoesNotExist` also match when the key is
 * absent; the empty selector matches everything.
 */
export function matches(sel: LabelSelector, labels: Labels): boolean {
  for (const k in sel.matchLabels) {
    if (labels[k] !== sel.matchLabels[k]) return false;
  }
  for (const req of sel.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    const v = labels[req.key];
    switch (req.operator) {
      case 'In':
        if (!has || !req.values.includes(v!)) return false;
        break;
      case 'NotIn':
        if (has && req.values.includes(v!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/**
 * `matches` over labels given as a lookup (a present label has a string value):
 * for label views such as Cilium's, which add the namespace and its labels to a
 * pod's own, without building a new object per pod and selector.
 */
export function matchesLookup(sel: LabelSelector, get: (key: string) => string | undefined): boolean {
  for (const k in sel.matchLabels) {
    if (get(k) !== sel.matchLabels[k]) return false;
  }
  for (const req of sel.matchExpressions) {
    const v = get(req.key);
    switch (req.operator) {
      case 'In':
        if (v === undefined || !req.values.includes(v)) return false;
        break;
      case 'NotIn':
        if (v !== undefined && req.values.includes(v)) return false;
        break;
      case 'Exists':
        if (v === undefined) return false;
        break;
      case 'DoesNotExist':
        if (v !== undefined) return false;
        break;
    }
  }
  return true;
}
