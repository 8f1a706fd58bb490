/**
 * The audit configuration file (`--config meshless-audit.yaml`), validated with
 * zod so that a typo names the field and what it expects.
 */
import { z } from 'zod';
import { DEFAULT_CONFIG, type AuditConfig, type Severity } from './types.js';
import { unknownCheckProblem, type CheckId } from './index.js';

export const AuditConfigSchema = z
  .object({
    networkTeam: z.array(z.string().min(1)).describe('Groups, users or service accounts (system:serviceaccount:NS:NAME) that may edit NetworkPolicies').optional(),
    teams: z.array(z.string().min(1)).describe('Team names; a namespace named after one is flagged').optional(),
    teamNamespacePatterns: z
      .array(z.string().refine((s) => { try { new RegExp(s); return true; } catch { return false; } }, 'must be a valid regular expression'))
      .describe('Regular expressions for namespace names that look like team names')
      .optional(),
    dataNamespaceLabels: z.array(z.string().regex(/^[^=]+=[^=]*$/, 'must be key=value')).describe('Namespace labels (key=value) that mark namespaces holding data').optional(),
    requireEgressIsolation: z.boolean().optional(),
    failOn: z.enum(['critical', 'high', 'medium', 'low', 'info', 'none']).optional(),
    ignore: z
      .array(z.string().superRefine((id, ctx) => {
        const problem = unknownCheckProblem(id);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }))
      .describe('Check ids not to run')
      .optional(),
  })
  .strict();

export type AuditConfigFile = z.infer<typeof AuditConfigSchema>;

export interface LoadedConfig {
  readonly config: AuditConfig;
  readonly failOn?: Severity | 'none';
  readonly ignore: readonly CheckId[];
}

/** Validates a parsed config document; returns the config or readable problems (`path: message`). */
export function parseAuditConfig(raw: unknown): LoadedConfig | { problems: string[] } {
  const r = AuditConfigSchema.safeParse(raw ?? {});
  if (!r.success) {
    return { problems: r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`) };
  }
  const v = r.data;
  return {
    config: {
      networkTeam: v.networkTeam ?? DEFAULT_CONFIG.networkTeam,
      teams: v.teams ?? DEFAULT_CONFIG.teams,
      teamNamespacePatterns: v.teamNamespacePatterns ?? DEFAULT_CONFIG.teamNamespacePatterns,
      dataNamespaceLabels: v.dataNamespaceLabels ?? DEFAULT_CONFIG.dataNamespaceLabels,
      requireEgressIsolation: v.requireEgressIsolation ?? DEFAULT_CONFIG.requireEgressIsolation,
    },
    ...(v.failOn !== undefined ? { failOn: v.failOn satisfies Severity | 'none' } : {}),
    // Every id was checked by the schema above.
    ignore: (v.ignore ?? []) as CheckId[],
  };
}
