/** `meshless reach`: every allowed connection between the endpoints found in the input. */
import { LEVELS, reach, unisolated } from '../netpol/reach.js';
import { outsideReach } from '../exposure/outside.js';
import { stringify as stringifyYaml } from 'yaml';
import { notJudgedText, reachJson, reachTable, wrapLine } from '../report/reach.js';
import { notJudged } from '../netpol/unjudged.js';
import { isPortName, reachNamedPort } from './named-port.js';
import { CLUSTER_OPTIONS, EXIT, Stopwatch, checkedEndpointFilter, hasInputErrors, inputFacts, loadAndAnalyze, oneOf, parse, parsePortFlag, printStats, reportDiagnostics, type Io } from './common.js';

export const reachHelp = `Usage: meshless reach PATH...|--cluster [--port N[/PROTO]] [--from SEL] [--to SEL] [--level pod|workload|namespace] [-o table|wide|json|yaml]

Prints every allowed connection between the endpoints found in PATH (files,
directories, or - for stdin): egress allowed at the source AND ingress allowed
at the destination, under the NetworkPolicies in the input.

Options:
  --port N[/PROTO]     only connections to this destination port (protocol TCP by default)
  --port NAME          a container port name (http), resolved at each destination as
                       NetworkPolicy resolves named ports; destinations without it are listed
  --from SEL, --to SEL keep sources / destinations matching SEL: an endpoint id or glob
                       (payments/*), a namespace name, or labels (app=web,tier!=db)
  --level LEVEL        pod (endpoints as found), workload (default: pods under their
                       controller) or namespace (namespace to namespace, plus outside peers)
  -o FORMAT            table (default: fits 100 columns; outside peers by short name,
                       such as internet or 10.0.0.0/8 (+2)), wide (every name and
                       address block whole), json or yaml (see docs/output-formats.md)
  -n, --namespace NS   namespace for objects that name none (default: default)
  --cluster            read the live cluster (--context, --kubeconfig, -A, -n, --request-timeout)
  --git REV            read PATH... (default .) at a git revision, without a checkout
  --pod-cidr CIDR      the cluster's pod network (default 10.0.0.0/8,fd00::/8); pods with
                       no IP in the input are assumed to be inside it
  --stats              print phase timings and peak memory to stderr
  -v, --verbose / -q, --quiet   more / fewer diagnostics

Exit codes: 0 ok, 2 usage or input error, 3 internal error.`;

/** The default table's width, as a terminal of kubectl users has it. */
const WIDTH = 100;

export async function runReach(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...CLUSTER_OPTIONS, port: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, level: { type: 'string' } });
  if (values['help']) {
    io.out(reachHelp);
    return EXIT.ok;
  }
  const format = oneOf(values['output'], ['table', 'wide', 'json', 'yaml'] as const, '-o', 'table');
  const level = oneOf(values['level'], LEVELS, '--level', 'workload');
  // A name (`--port http`) is resolved at each destination, as policies resolve named ports.
  const portName = typeof values['port'] === 'string' && isPortName(values['port']) ? values['port'] : undefined;
  const port = portName === undefined ? parsePortFlag(values['port']) : undefined;
  const watch = new Stopwatch();
  const { loaded, analysis: a } = await loadAndAnalyze(positionals, values, watch);
  const inv = loaded.inventory;
  const from = checkedEndpointFilter('--from', values['from'], inv);
  const to = checkedEndpointFilter('--to', values['to'], inv);
  const named = portName !== undefined ? reachNamedPort(a, portName, { level, ...(from ? { from } : {}), ...(to ? { to } : {}) }) : undefined;
  const result = named?.result ?? reach(a, { level, ...(port ? { port } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) });
  watch.lap('evaluate');
  if (format === 'json' || format === 'yaml') {
    const json = {
      ...(named ? { portName, withoutPort: named.withoutPort } : {}),
      ...reachJson(result, port, notJudged(a), inputFacts(loaded, a.diagnostics)),
    };
    io.out(format === 'json' ? JSON.stringify(json) : stringifyYaml(json, { lineWidth: 0 }));
  } else {
    io.out(tableText({ loaded, a, level, format, result, port, named, portName, to }));
  }
  watch.lap('output');
  reportDiagnostics(io, loaded, a.diagnostics, values);
  if (values['stats']) printStats(io, watch, { endpoints: inv.endpoints.length, classes: a.classes.length, policies: inv.policies.length, connections: result.allowed.length });
  return hasInputErrors(inv) ? EXIT.usage : EXIT.ok;
}

/** What `-o table` and `-o wide` print: a headline, the table, the ways in, what is not judged or not isolated. */
function tableText(v: {
  loaded: Awaited<ReturnType<typeof loadAndAnalyze>>['loaded'];
  a: Awaited<ReturnType<typeof loadAndAnalyze>>['analysis'];
  level: string;
  format: 'table' | 'wide';
  result: ReturnType<typeof reach>;
  port: { port: number; protocol: string } | undefined;
  named: ReturnType<typeof reachNamedPort> | undefined;
  portName: string | undefined;
  to: ((id: string) => boolean) | undefined;
}): string {
  const { loaded, a, level, format, result, port, named, portName, to } = v;
  const inv = loaded.inventory;
  const open = unisolated(a);
  const on = port ? ` on ${port.port}/${port.protocol}` : named ? ` on the port named ${portName ?? ''}${named.resolved.size > 0 ? ` (${[...named.resolved].map(([p, n]) => `${p} at ${n}`).join(', ')})` : ''}` : '';
  const lines = [
    `${inv.endpoints.length} endpoints in ${inv.namespaces.size} namespaces, ${inv.policies.length} NetworkPolicies${a.layerPolicies.length > 0 ? `, ${a.layerPolicies.length} cluster-wide or CNI policies` : ''}; ${result.allowed.length} allowed connection${result.allowed.length === 1 ? '' : 's'} at ${level} level${on}`,
    '',
    reachTable(result, port, format === 'table' ? { maxWidth: WIDTH } : {}),
  ];
  if (named && named.withoutPort.length > 0) lines.push('', `No container port named ${portName ?? ''}, so no connection is possible on it: ${named.withoutPort.join(', ')}`);
  const outside = outsideLines(inv, a, level, to);
  if (outside.length > 0) lines.push('', 'From the internet (entry points):', ...outside);
  const unjudged = notJudgedText(notJudged(a));
  if (unjudged.length > 0) lines.push('', ...unjudged);
  if (open.ingress.length > 0 || open.egress.length > 0) {
    lines.push('');
    if (open.ingress.length > 0) lines.push(`Not isolated for ingress (any source may connect): ${open.ingress.join(', ')}`);
    if (open.egress.length > 0) lines.push(`Not isolated for egress (may connect anywhere): ${open.egress.join(', ')}`);
  }
  // The table fits by itself; the lines around it are wrapped to the same width (-o wide: one line each).
  return (format === 'table' ? lines.flatMap((l) => (l.includes('\n') ? [l] : wrapLine(l, WIDTH))) : lines).join('\n');
}

/** One line per way in and what is behind it, at the chosen level: `internet → shop/deployment/redis 6379/TCP through Service shop/redis (LoadBalancer 6379): allowed`. */
function outsideLines(inv: Parameters<typeof outsideReach>[0], a: Parameters<typeof outsideReach>[1], level: string, to: ((id: string) => boolean) | undefined): string[] {
  const byId = new Map(inv.endpoints.map((e) => [e.id, e]));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of outsideReach(inv, a)) {
    if (to && !to(r.endpoint)) continue;
    const e = byId.get(r.endpoint);
    const key = level === 'pod' || !e ? r.endpoint : level === 'workload' ? e.workload : e.namespace;
    const port = r.port ? ` ${String(r.port.port)}/${r.port.protocol}` : '';
    const verdict = r.allowed === undefined ? (r.entry.via.startsWith('service-') || r.entry.via === 'host-port' ? '' : ': through the edge proxy') : r.allowed ? ': allowed' : ': blocked by NetworkPolicy';
    const line = `  internet → ${key}${port} through ${r.through}${verdict}`;
    if (seen.has(line)) continue;
    seen.add(line);
    out.push(line);
  }
  return out;
}
