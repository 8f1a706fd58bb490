/**
 * The settings `meshless generate` writes beside the manifests (meshless-audit.yaml)
 * so that `meshless audit DIR` of its output needs no flags: the network team and the
 * pod network. Flags (--network-team, --pod-cidr, --config) still win.
 */
import type { Inventory } from './inventory.js';

export const AUDIT_SETTINGS_FILE = 'meshless-audit.yaml';
export const AUDIT_SETTINGS_API_VERSION = 'meshless.dev/v1alpha1';
export const AUDIT_SETTINGS_KIND = 'AuditSettings';

/**
 * A finding the generated platform leaves open on purpose, with the reason: audit
 * shows it as suppressed (counted, never hidden). Keyed as a baseline is: check,
 * object kind, namespace, name (and field path).
 */
export interface AcceptedFinding {
  readonly check: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly path?: string;
  readonly reason: string;
}

export interface InputAuditSettings {
  readonly networkTeam: readonly string[];
  readonly podCidrs: readonly string[];
  /** Findings accepted with a reason (see AcceptedFinding). */
  readonly accepted: readonly AcceptedFinding[];
  /** `file:line` of the objects they come from. */
  readonly from: readonly string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function accepted(v: unknown): AcceptedFinding[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((e: unknown) => {
    const r = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    const check = text(r['check']);
    const kind = text(r['kind']);
    const name = text(r['name']);
    const reason = text(r['reason']);
    if (check === undefined || kind === undefined || name === undefined || reason === undefined) return [];
    const namespace = text(r['namespace']);
    const path = text(r['path']);
    return [{ check, kind, name, reason, ...(namespace !== undefined ? { namespace } : {}), ...(path !== undefined ? { path } : {}) }];
  });
}

/** The AuditSettings objects in the input, merged; undefined when there are none. */
export function inputAuditSettings(inv: Inventory): InputAuditSettings | undefined {
  const found = inv.objects.filter((o) => o.object.kind === AUDIT_SETTINGS_KIND && o.object.apiVersion === AUDIT_SETTINGS_API_VERSION);
  if (found.length === 0) return undefined;
  return {
    networkTeam: [...new Set(found.flatMap((o) => strings(o.object['networkTeam'])))],
    podCidrs: [...new Set(found.flatMap((o) => strings(o.object['podCidrs'])))],
    accepted: found.flatMap((o) => accepted(o.object['accepted'])),
    from: found.map((o) => `${o.source.file}:${o.source.line}`),
  };
}
