/** `meshless report`: one self-contained HTML evidence report for auditors and change boards. */
import { writeFile } from 'node:fs/promises';
import { AUDIT_SETTING_OPTIONS, auditSettings } from './settings.js';
import { reach } from '../netpol/reach.js';
import { layersSummary } from '../netpol/layer-summary.js';
import { TOOL } from '../report/audit-json.js';
import { htmlReport } from '../report/html.js';
import { loadSnapshot } from '../load/snapshot.js';
import { CLUSTER_OPTIONS, EXIT, UsageError, defaultNamespace, hasInputErrors, inputSource, parse, podCidrs, printStats, reportDiagnostics, Stopwatch, type Io } from './common.js';

export const reportHelp = `Usage: meshless report PATH... | --cluster -o FILE [options]

Writes one self-contained HTML file for auditors and change boards: what was
analysed (input files with SHA-256 hashes, the time, the tool version), each of
the four controls with its status, evidence and the requirement it serves
(PCI-DSS, GDPR Art. 32), the namespace graph as a static SVG, the reachability
table, every finding with its fix, and the suppressed findings with their
reasons. No scripts, fonts or images from the network; prints to PDF.

Input:
  PATH...                files, directories, or - for stdin
  --cluster              the live cluster of the current kubeconfig context
  --context NAME, --kubeconfig FILE, -A/--all-namespaces, -n/--namespace NS,
  --request-timeout 30s (per API request; 0: none)

Options:
  -o FILE                where to write the report (required; - for stdout)
  --network-team GROUP   who may edit NetworkPolicies (repeatable)
  --config FILE          audit settings (YAML), as for meshless audit
  --baseline FILE        accept the findings listed in FILE (shown as suppressed)
  --pod-cidr CIDR        the pod network (default: from the input)

The time in the report is the current time, or SOURCE_DATE_EPOCH (seconds) when
set, for reproducible reports.

Exit codes: 0 written, 2 usage or input error (the report is still written and
lists the problems), 3 internal error.`;

/** The report's time: SOURCE_DATE_EPOCH when set (reproducible builds), else now. */
export function reportTime(env: NodeJS.ProcessEnv = process.env, now: Date = new Date()): string {
  const epoch = env['SOURCE_DATE_EPOCH'];
  if (epoch !== undefined && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000).toISOString();
  return now.toISOString();
}

/** At most this many workloads (and connections) for the workload-level table. */
const WORKLOAD_TABLE_LIMIT = { workloads: 300, connections: 3000 };

export async function runReport(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...CLUSTER_OPTIONS, ...AUDIT_SETTING_OPTIONS });
  if (values['help']) {
    io.out(reportHelp);
    return EXIT.ok;
  }
  const outFile = values['output'];
  if (typeof outFile !== 'string' || outFile === '') throw new UsageError('-o FILE is required: where to write the HTML report (- for standard output)');
  if (values['cluster'] !== true && positionals.length === 0) throw new UsageError('no input: give one or more files or directories, - for standard input, or --cluster');
  if (values['cluster'] === true && positionals.length > 0) throw new UsageError('give either PATH... or --cluster, not both');
  const { settings, described } = await auditSettings(values);
  const cidrs = podCidrs(values);
  const snap = await loadSnapshot({ source: inputSource(positionals, values), ...defaultNamespace(values), ...(cidrs ? { podCidrs: cidrs } : {}), audit: settings });
  const watch = new Stopwatch();
  Object.assign(watch.phases, snap.phases);
  const inv = snap.loaded.inventory;
  const namespaceReach = reach(snap.analysis, { level: 'namespace' });
  const workloads = new Set(inv.endpoints.map((e) => e.workload)).size;
  let workloadReach;
  if (workloads <= WORKLOAD_TABLE_LIMIT.workloads) {
    const wr = reach(snap.analysis, { level: 'workload' });
    if (wr.allowed.length <= WORKLOAD_TABLE_LIMIT.connections) workloadReach = wr;
  }
  const audit = snap.audit();
  const diagnostics = [...inv.diagnostics, ...snap.analysis.diagnostics, ...audit.errors];
  const html = htmlReport({
    tool: { name: TOOL.name, version: TOOL.version },
    generatedAt: reportTime(),
    source: snap.source,
    paths: snap.paths,
    inputs: snap.inputs,
    summary: inv.summary,
    diagnostics,
    audit,
    namespaceReach,
    ...(workloadReach ? { workloadReach } : {}),
    podNetwork: `${snap.analysis.podCidrs.map((c) => c.text).join(', ')} (${snap.analysis.podCidrSource})`,
    counts: { namespaces: inv.namespaces.size, workloads, policies: inv.policies.length },
    settings: described,
    ...(snap.analysis.layerPolicies.length > 0 || inv.layers.unevaluated.length > 0 ? { layers: layersSummary(snap.analysis) } : {}),
  });
  watch.lap('output');
  if (outFile === '-') io.out(html);
  else {
    await writeFile(outFile, html);
    const open = audit.findings.filter((f) => !f.suppressed).length;
    io.err(`wrote ${outFile}: ${open} open finding(s), ${audit.findings.length - open} suppressed, ${namespaceReach.allowed.length} namespace-level connections`);
  }
  reportDiagnostics(io, snap.loaded, [...snap.analysis.diagnostics, ...audit.diagnostics, ...audit.errors], values);
  if (values['stats']) printStats(io, watch, { endpoints: inv.endpoints.length, findings: audit.findings.length });
  if (audit.errors.length > 0) return EXIT.internal;
  return hasInputErrors(inv) ? EXIT.usage : EXIT.ok;
}
