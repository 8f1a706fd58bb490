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
  /** Entries of `accepted` left out, and why (`file:line: accepted[i]: ...`): said, never dropped silently. */
  readonly problems: readonly string[];
  /** `file:line` of the objects they come from. */
  readonly from: readonly string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function accepted(v: unknown, where: string, problems: string[]): AcceptedFinding[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    problems.push(`${where}: accepted must be a list of findings (check, kind, name, reason)`);
    return [];
  }
  return v.flatMap((e: unknown, i) => {
    const r = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    const check = text(r['check']);
    const kind = text(r['kind']);
    const name = text(r['name']);
    const reason = text(r['reason']);
    const missing = ([['check', check], ['kind', kind], ['name', name], ['reason', reason]] as const).filter(([, x]) => x === undefined).map(([k]) => k);
    if (check === undefined || kind === undefined || name === undefined || reason === undefined) {
      problems.push(`${where}: accepted[${i}] has no ${missing.join(', ')}; it accepts nothing`);
      return [];
    }
    const namespace = text(r['namespace']);
    const path = text(r['path']);
    return [{ check, kind, name, reason, ...(namespace !== undefined ? { namespace } : {}), ...(path !== undefined ? { path } : {}) }];
  });
}

/** The AuditSettings objects in the input, merged; undefined when there are none. */
export function inputAuditSettings(inv: Inventory): InputAuditSettings | undefined {
  const found = inv.objects.filter((o) => o.object.kind === AUDIT_SETTINGS_KIND && o.object.apiVersion === AUDIT_SETTINGS_API_VERSION);
  if (found.length === 0) return undefined;
  const problems: string[] = [];
  return {
    networkTeam: [...new Set(found.flatMap((o) => strings(o.object['networkTeam'])))],
    podCidrs: [...new Set(found.flatMap((o) => strings(o.object['podCidrs'])))],
    accepted: found.flatMap((o) => accepted(o.object['accepted'], `${o.source.file}:${o.source.line}`, problems)),
    problems,
    from: found.map((o) => `${o.source.file}:${o.source.line}`),
  };
}
