/** `meshless audit`: the four controls, checked, with a concrete fix for every finding. */
import { inputAuditSettings } from '../model/audit-settings.js';
import { writeFile } from 'node:fs/promises';
import { stringify as stringifyYaml } from 'yaml';
import { ALL_CHECKS } from '../checks/index.js';
import { failing, fingerprint, runAudit, type AuditResult } from '../checks/run.js';
import { SEVERITIES, type Severity } from '../checks/types.js';
import { auditJson, auditJsonChunks } from '../report/audit-json.js';
import { auditSarif } from '../report/audit-sarif.js';
import { auditJunit } from '../report/audit-junit.js';
import { auditMarkdown } from '../report/audit-markdown.js';
import { auditTable } from '../report/audit-table.js';
import { loadBaseline, loadConfig, type BaselineFile } from './settings.js';
import { EXIT, Stopwatch, hasInputErrors, inputFacts, loadAndAnalyze, oneOf, parse, printStats, reportDiagnostics, CLUSTER_OPTIONS, type Io } from './common.js';

export const auditHelp = `Usage: meshless audit PATH... | --cluster [options]

Checks the four controls a service mesh is adopted for — authentication,
ingress encryption, in-cluster encryption, segregation — and prints, for every
finding, what is wrong, why it matters and the concrete change that fixes it.

Input:
  PATH...                files, directories, or - for stdin
  --cluster              the live cluster of the current kubeconfig context
  --context NAME, --kubeconfig FILE, -A/--all-namespaces, -n/--namespace NS,
  --request-timeout 30s (per API request; 0: none)

Options:
  -o FORMAT              table (default), json, yaml, sarif, junit, markdown
  --fail-on SEVERITY     exit 1 when an open finding is at or above it:
                         critical, high, medium, low (default), info, or none
  --network-team GROUP   who may edit NetworkPolicies (repeatable); anyone else
                         who can is reported
  --config FILE          audit settings (YAML): networkTeam, teams,
                         teamNamespacePatterns, dataNamespaceLabels,
                         requireEgressIsolation, failOn, ignore (check ids)
  --baseline FILE        accept the findings listed in FILE (still counted)
  --write-baseline FILE  write the current open findings to FILE and exit 0
  --brief                table without the fixes
  --pod-cidr CIDR        the pod network (default: from the input)

Suppress one finding on its object with the annotations
  meshless.dev/ignore: CHECK-ID[,CHECK-ID]  and  meshless.dev/ignore-reason: "..."

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error, 3 internal error.`;

function baselineOf(r: AuditResult): BaselineFile {
  return {
    version: 1,
    findings: r.findings
      .filter((f) => !f.suppressed)
      .map((f) => ({ fingerprint: fingerprint(f), check: f.check, object: `${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}`, reason: 'accepted when the baseline was written' })),
  };
}

export async function runAuditCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...CLUSTER_OPTIONS,
    'fail-on': { type: 'string' },
    'network-team': { type: 'string', multiple: true },
    config: { type: 'string' },
    baseline: { type: 'string' },
    'write-baseline': { type: 'string' },
    brief: { type: 'boolean' },
  });
  if (values['help']) {
    io.out(auditHelp);
    return EXIT.ok;
  }
  const format = oneOf(values['output'], ['table', 'json', 'yaml', 'sarif', 'junit', 'markdown'] as const, '-o', 'table');
  const cfg = await loadConfig(values);
  const failOn = oneOf<Severity | 'none'>(values['fail-on'] ?? cfg.failOn, [...SEVERITIES, 'none'], '--fail-on', 'low');
  const baseline = typeof values['baseline'] === 'string' ? await loadBaseline(values['baseline']) : undefined;
  const watch = new Stopwatch();
  const { loaded, analysis: a } = await loadAndAnalyze(positionals, values, watch);
  const inv = loaded.inventory;
  const checks = ALL_CHECKS.filter((c) => !cfg.ignore.includes(c.id));
  // --network-team and --config win; then the network team generate wrote beside its manifests.
  const fromInput = inputAuditSettings(inv);
  const config = cfg.config.networkTeam.length === 0 && fromInput && fromInput.networkTeam.length > 0 ? { ...cfg.config, networkTeam: fromInput.networkTeam } : cfg.config;
  const result = runAudit(inv, a, { config, checks, ...(baseline ? { baseline } : {}), unavailableKinds: loaded.unavailableKinds });
  watch.lap('evaluate');

  if (typeof values['write-baseline'] === 'string') {
    const b = baselineOf(result);
    await writeFile(values['write-baseline'], `${JSON.stringify(b, null, 2)}\n`);
    io.err(`wrote ${b.findings.length} findings to ${values['write-baseline']}`);
    return EXIT.ok;
  }
  switch (format) {
    case 'json':
      // In chunks: a large cluster's audit is a hundred megabytes of JSON.
      for (const chunk of auditJsonChunks(result, inputFacts(loaded, [...a.diagnostics, ...result.diagnostics]))) io.out(chunk);
      break;
    case 'yaml':
      io.out(stringifyYaml(auditJson(result, inputFacts(loaded, [...a.diagnostics, ...result.diagnostics])), { lineWidth: 0 }));
      break;
    case 'sarif':
      io.out(JSON.stringify(auditSarif(result, checks, inputFacts(loaded, [...a.diagnostics, ...result.diagnostics])), null, 2));
      break;
    case 'junit':
      io.out(auditJunit(result, checks));
      break;
    case 'markdown':
      io.out(auditMarkdown(result));
      break;
    case 'table':
      io.out(auditTable(result, { colour: io.colour === true, fixes: values['brief'] !== true }));
      break;
  }
  watch.lap('output');
  reportDiagnostics(io, loaded, [...a.diagnostics, ...result.diagnostics, ...result.errors], values);
  if (values['stats']) printStats(io, watch, { endpoints: inv.endpoints.length, classes: a.classes.length, policies: inv.policies.length, findings: result.findings.length });
  if (result.errors.length > 0) return EXIT.internal;
  if (hasInputErrors(inv)) return EXIT.usage;
  return failOn !== 'none' && failing(result, failOn).length > 0 ? EXIT.findings : EXIT.ok;
}
