/**
 * SARIF 2.1.0, as GitHub code scanning reads it: one rule per check (from the
 * check's own metadata), one result per finding with file and line, stable
 * fingerprints so that a finding keeps its identity across commits, and
 * suppressions for findings accepted by annotation or baseline.
 */
import { fingerprint, type AuditResult } from '../checks/run.js';
import type { Check, Severity } from '../checks/types.js';
import { TOOL } from './audit-json.js';
import { checkDocPath, checkDocUri } from './checks-doc.js';
import { sarifNotifications, type InputFacts } from './input-json.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub's security-severity scale: critical > 9, high 7-8.9, medium 4-6.9, low < 4. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

export function auditSarif(r: AuditResult, checks: readonly Check[], input?: InputFacts): unknown {
  const index = new Map(checks.map((c, i) => [c.id, i]));
  const unknown = Object.entries(r.controls).filter(([, c]) => c.status === 'unknown');
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL.name,
            version: TOOL.version,
            informationUri: TOOL.informationUri,
            rules: checks.map((c) => ({
              id: c.id,
              name: c.id.replace(/(^|-)([a-z])/g, (_, __: string, ch: string) => ch.toUpperCase()),
              shortDescription: { text: c.title },
              fullDescription: { text: c.rationale },
              help: { text: `${c.rationale}\n\nFix: ${c.fixSummary}\n\nSee ${checkDocPath(c.id)} (meshless checks ${c.id})`, markdown: `${c.rationale}\n\n**Fix:** ${c.fixSummary}\n\nSee [${checkDocPath(c.id)}](${checkDocUri(c.id)}) (\`meshless checks ${c.id}\`)` },
              helpUri: checkDocUri(c.id),
              defaultConfiguration: { level: LEVEL[c.severity] },
              properties: { tags: ['security', c.control, ...(c.requirements ?? [])], 'security-severity': SECURITY_SEVERITY[c.severity], precision: 'high' },
            })),
          },
        },
        // A control the input could not settle (e.g. NetworkPolicies a cluster refused to list) is said, not left
        // to silence; so is every input diagnostic (objects skipped, YAML errors), with its file and line.
        ...(unknown.length > 0 || input
          ? {
              invocations: [
                {
                  executionSuccessful: r.errors.length === 0,
                  toolExecutionNotifications: [
                    ...unknown.map(([control, c]) => ({ level: 'warning', message: { text: `${control}: unknown — ${c.note}` }, properties: { control, status: c.status } })),
                    ...(input ? sarifNotifications(input) : []),
                  ],
                  ...(input ? { properties: { files: input.files, objects: { read: input.summary.read, used: input.summary.used, skipped: input.summary.skipped } } } : {}),
                },
              ],
            }
          : {}),
        results: r.findings.map((f) => ({
          ruleId: f.check,
          ...(index.has(f.check) ? { ruleIndex: index.get(f.check) } : {}),
          level: LEVEL[f.severity],
          message: { text: `${f.message}\nFix: ${f.fix}` },
          locations: f.object.file && !f.object.file.startsWith('cluster:')
            ? [{ physicalLocation: { artifactLocation: { uri: f.object.file.replace(/\\/g, '/').replace(/^\.\//, '') }, region: { startLine: Math.max(1, f.object.line ?? 1) } } }]
            : [{ logicalLocations: [{ fullyQualifiedName: `${f.object.kind}/${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}` }] }],
          partialFingerprints: { 'meshless/v1': fingerprint(f) },
          properties: { control: f.control, severity: f.severity, helpUri: checkDocUri(f.check), docs: checkDocPath(f.check), object: f.object, ...(f.fixObjects !== undefined ? { fixObjects: f.fixObjects } : {}) },
          ...(f.suppressed ? { suppressions: [{ kind: f.suppressed.by === 'annotation' ? 'inSource' : 'external', justification: f.suppressed.reason }] } : {}),
        })),
      },
    ],
  };
}
