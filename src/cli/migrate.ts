/**
 * `meshless migrate ingress-nginx PATH... --to envoy-gateway|traefik`: reads the
 * input, runs the pure migration, prints or writes the objects, the list of what
 * could not be carried and the round-trip proof. I/O and exit codes only.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderFile } from '../generate/yaml.js';
import { migrateIngressNginx, MIGRATE_TARGETS, proofText, type MigrationResult } from '../migrate/index.js';
import type { MigrateTarget } from '../migrate/types.js';
import { EXIT, Stopwatch, UsageError, hasInputErrors, loadFromArgs, oneOf, parse, reportDiagnostics, type Io } from './common.js';

export const migrateHelp = `Usage: meshless migrate ingress-nginx PATH... --to envoy-gateway|traefik [-o -|DIR|json] [--gateway NS/NAME]

Moves every Ingress that ingress-nginx serves to Envoy Gateway (Gateway,
HTTPRoutes, SecurityPolicy extAuth) or Traefik (IngressRoutes, forwardAuth
Middlewares), with TLS, redirects and NetworkPolicies for the new edge; lists
everything it cannot carry (snippets, canary, rewrites, custom errors...) with
what to do; and proves the result: authentication and edge TLS kept per host,
every host/path to the same Service and port, no connection to an application
pod opened.

Options:
  --to TARGET         envoy-gateway or traefik (required)
  -o, --output OUT    - (default): YAML documents on stdout, the list and the
                      proof as comments at the end; DIR: write the files there;
                      json: objects, list and proof as JSON
  --gateway NS/NAME   Envoy Gateway: add listeners to this Gateway of the input
                      instead of writing a new one (envoy-gateway-system/ingress-nginx-migrated)
  -q, --quiet         with -o DIR, do not list the files written

Exit codes: 0 migrated, nothing left to do, proof passed; 1 migrated, but
something could not be carried or the proof failed; 2 usage or input error;
3 internal error.`;

function toYaml(r: MigrationResult): string {
  return r.files.map((f) => renderFile([`meshless migrate ingress-nginx --to ${r.target}: ${f.path}`, f.title], f.docs)).join('---\n');
}

function todoLines(r: MigrationResult): string[] {
  if (r.unsupported.length === 0) return ['Nothing left to carry by hand.'];
  return [`Not carried (${r.unsupported.length}), to do by hand:`, ...r.unsupported.map((u) => `  ${u.file}:${u.line}: ${u.ingress}: ${u.annotation}${u.value ? ` ${JSON.stringify(u.value)}` : ''}\n      → ${u.action}`)];
}

function summaryLines(r: MigrationResult): string[] {
  return [
    `Migrated ${r.migrated.length} Ingress${r.migrated.length === 1 ? '' : 'es'} to ${r.target}: ${r.migrated.join(', ')}.`,
    ...(r.replacedPolicies.length > 0 ? [`Rewritten NetworkPolicies (apply them in place of the originals): ${r.replacedPolicies.join(', ')}.`] : []),
    `The new edge's pods: ${r.edge.namespace} ${Object.entries(r.edge.labels).map(([k, v]) => `${k}=${v}`).join(',')}${r.edge.inInput ? '' : ' (not in the input; a stand-in was used for the proof)'}.`,
    ...todoLines(r),
    ...proofText(r.proof),
  ];
}

export async function runMigrate(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { to: { type: 'string' }, gateway: { type: 'string' } });
  if (values['help'] === true) {
    io.out(migrateHelp);
    return EXIT.ok;
  }
  const [from, ...paths] = positionals;
  if (from !== 'ingress-nginx') throw new UsageError(from === undefined ? 'say what to migrate from: meshless migrate ingress-nginx PATH... --to envoy-gateway|traefik' : `cannot migrate from "${from}": the only source is ingress-nginx`);
  if (values['to'] === undefined) throw new UsageError(`--to is required: one of ${MIGRATE_TARGETS.join(', ')}`);
  const target = oneOf<MigrateTarget>(values['to'], MIGRATE_TARGETS, '--to', 'envoy-gateway');
  let gateway: { namespace: string; name: string } | undefined;
  if (typeof values['gateway'] === 'string') {
    if (target !== 'envoy-gateway') throw new UsageError('--gateway goes with --to envoy-gateway');
    const m = /^([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*)$/.exec(values['gateway']);
    if (!m) throw new UsageError(`--gateway must be NAMESPACE/NAME (got ${JSON.stringify(values['gateway'])})`);
    gateway = { namespace: m[1]!, name: m[2]! };
  }
  const out = typeof values['output'] === 'string' ? values['output'] : '-';
  const watch = new Stopwatch();
  const loaded = await loadFromArgs(paths, values, watch);
  reportDiagnostics(io, loaded, [], values);
  if (hasInputErrors(loaded.inventory)) return EXIT.usage;
  const outcome = migrateIngressNginx(loaded.inventory, { target, ...(gateway ? { gateway } : {}) });
  if (!outcome.ok) {
    for (const e of outcome.errors) io.err(`error: ${e}`);
    return EXIT.usage;
  }
  const r = outcome.result;
  const code = r.proof.ok && r.unsupported.length === 0 ? EXIT.ok : EXIT.findings;
  if (out === 'json') {
    io.out(JSON.stringify({ target: r.target, migrated: r.migrated, replacedPolicies: r.replacedPolicies, edge: r.edge, files: r.files.map((f) => ({ path: f.path, objects: f.docs.map((d) => d.object) })), unsupported: r.unsupported, proof: r.proof }, null, 2));
    return code;
  }
  if (out === '-') {
    io.out(`${toYaml(r)}${summaryLines(r).map((l) => l.split('\n').map((x) => `# ${x}`).join('\n')).join('\n')}\n`);
    return code;
  }
  await mkdir(out, { recursive: true });
  for (const f of r.files) {
    await writeFile(join(out, f.path), renderFile([`meshless migrate ingress-nginx --to ${r.target}: ${f.path}`, f.title], f.docs));
    if (values['quiet'] !== true) io.err(`wrote ${join(out, f.path)}`);
  }
  io.out(summaryLines(r).join('\n'));
  return code;
}
