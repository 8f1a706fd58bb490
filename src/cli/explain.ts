/** `meshless explain FROM TO`: the verdict for one connection, with the rules and lines that decide it. */
import { resolveEndpointRef } from '../netpol/resolve.js';
import type { Analysis } from '../netpol/analysis.js';
import { stringify as stringifyYaml } from 'yaml';
import { explainText } from '../report/explain.js';
import { isPortName, namedPortOf } from './named-port.js';
import { CLUSTER_OPTIONS, EXIT, Stopwatch, UsageError, hasInputErrors, loadAndAnalyze, oneOf, parse, parsePortFlag, printStats, reportDiagnostics, type Io } from './common.js';

export const explainHelp = `Usage: meshless explain FROM TO [--port N[/PROTO]|NAME] PATH...|--cluster [-o table|json|yaml]

Explains whether FROM may connect to TO: which policies isolate the source for
egress and the destination for ingress, which rule (file:line) allows it, or
why no rule matched.

FROM and TO are endpoint ids as printed by reach (namespace/name for a Pod,
namespace/kind/name for a controller), a shorter namespace/name or name when
unambiguous, or an IP address (a pod's IP, or an address outside the cluster).

--port NAME (http) is the destination's container port of that name, as a
NetworkPolicy resolves it; a destination without one cannot be reached on it.

-o table (the default; text is the same), json or yaml.

PATH... may be read from a git revision with --git REV (no checkout), or the
live cluster with --cluster (--context, --kubeconfig, -A, -n, --request-timeout).

Exit codes: 0 allowed, 1 denied, 2 usage or input error, 3 internal error.`;

/** Finds an endpoint by id, by `namespace/name` or by a unique endpoint or workload name; IPs pass through. */
export function resolveEndpoint(a: Analysis, ref: string): string | { ip: string } {
  return resolveEndpointRef(a.inventory, ref);
}

export async function runExplain(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...CLUSTER_OPTIONS, port: { type: 'string' } });
  if (values['help']) {
    io.out(explainHelp);
    return EXIT.ok;
  }
  // `table`, as every command names its default; `text`, as explain named it first.
  const format = oneOf(values['output'], ['table', 'text', 'json', 'yaml'] as const, '-o', 'table');
  const portName = typeof values['port'] === 'string' && isPortName(values['port']) ? values['port'] : undefined;
  let port = portName === undefined ? parsePortFlag(values['port']) : undefined;
  if (positionals.length < (values['cluster'] === true || typeof values['git'] === 'string' ? 2 : 3)) throw new UsageError('explain needs FROM, TO and at least one PATH (or --cluster, or --git REV)');
  const [fromRef, toRef, ...paths] = positionals as [string, string, ...string[]];
  const watch = new Stopwatch();
  const { loaded, analysis: a } = await loadAndAnalyze(paths, values, watch);
  const from = resolveEndpoint(a, fromRef);
  const to = resolveEndpoint(a, toRef);
  // `--port NAME` is resolved at the destination, as a policy's named port is.
  let resolvedLine = '';
  if (portName !== undefined) {
    if (typeof to !== 'string') throw new UsageError(`--port ${portName} names a container port: the destination must be a pod or workload, not the address ${to.ip}`);
    const dest = loaded.inventory.endpoints.find((x) => x.id === to);
    const p = dest ? namedPortOf(dest, portName) : undefined;
    if (!p) {
      const why = { from: typeof from === 'string' ? from : from.ip, to, portName, allowed: false, summary: `DENIED: ${to} has no container port named ${portName}, so no connection is possible on that port` };
      io.out(format === 'json' ? JSON.stringify(why, null, 2) : format === 'yaml' ? stringifyYaml(why, { lineWidth: 0 }) : why.summary);
      reportDiagnostics(io, loaded, a.diagnostics, { ...values, quiet: true });
      return hasInputErrors(loaded.inventory) ? EXIT.usage : EXIT.findings;
    }
    port = p;
    resolvedLine = `port ${portName} is ${p.port}/${p.protocol} at ${to}\n`;
  }
  // An unknown endpoint or an address in the pod network is a MeshlessError (input, exit 2).
  const e = a.explain(from, to, port ?? {});
  watch.lap('evaluate');
  const doc = portName !== undefined ? { portName, ...e } : e;
  io.out(format === 'json' ? JSON.stringify(doc, null, 2) : format === 'yaml' ? stringifyYaml(doc, { lineWidth: 0 }) : `${resolvedLine}${explainText(e)}`);
  watch.lap('output');
  reportDiagnostics(io, loaded, a.diagnostics, { ...values, quiet: true });
  if (values['stats']) printStats(io, watch, { endpoints: loaded.inventory.endpoints.length, classes: a.classes.length, policies: loaded.inventory.policies.length });
  if (hasInputErrors(loaded.inventory)) return EXIT.usage;
  return e.allowed ? EXIT.ok : EXIT.findings;
}
