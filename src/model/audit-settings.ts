/**
 * The settings `meshless generate` writes beside the manifests (meshless-audit.yaml)
 * so that `meshless audit DIR` of its output needs no flags: the network team and the
 * pod network. Flags (--network-team, --pod-cidr, --config) still win.
 */
import type { Inventory } from './inventory.js';

export const AUDIT_SETTINGS_FILE = 'meshless-audit.yaml';
export const AUDIT_SETTINGS_API_VERSION = 'meshless.dev/v1alpha1';
export const AUDIT_SETTINGS_KIND = 'AuditSettings';

export interface InputAuditSettings {
  readonly networkTeam: readonly string[];
  readonly podCidrs: readonly string[];
  /** `file:line` of the objects they come from. */
  readonly from: readonly string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);

/** The AuditSettings objects in the input, merged; undefined when there are none. */
export function inputAuditSettings(inv: Inventory): InputAuditSettings | undefined {
  const found = inv.objects.filter((o) => o.object.kind === AUDIT_SETTINGS_KIND && o.object.apiVersion === AUDIT_SETTINGS_API_VERSION);
  if (found.length === 0) return undefined;
  return {
    networkTeam: [...new Set(found.flatMap((o) => strings(o.object['networkTeam'])))],
    podCidrs: [...new Set(found.flatMap((o) => strings(o.object['podCidrs'])))],
    from: found.map((o) => `${o.source.file}:${o.source.line}`),
  };
}
