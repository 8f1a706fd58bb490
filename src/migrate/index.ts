/**
 * `meshless migrate ingress-nginx`: from the Ingresses ingress-nginx serves to
 * Envoy Gateway or Traefik objects, NetworkPolicies for the new edge, the list of
 * what could not be carried, and the round-trip proof. Pure: Inventory in, data out.
 */
import { buildInventory, type Inventory, type ParsedDocument } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { ingressNginxControllers } from '../exposure/index.js';
import type { Obj } from '../generate/platform.js';
import type { FilePlan } from '../generate/yaml.js';
import { envoyPods, renderEnvoyGateway, DEFAULT_GATEWAY } from './envoy-gateway.js';
import { migratePolicies } from './netpol.js';
import { prove } from './proof.js';
import { readIngressNginx, type Unsupported } from './read.js';
import { traefikPods, renderTraefik } from './traefik.js';
import type { EdgePods, MigrateOptions, MigrationResult } from './types.js';

export type { MigrateOptions, MigrationResult } from './types.js';
export { MIGRATE_TARGETS } from './types.js';
export { proofText } from './proof.js';

/** A Deployment standing for the edge's pods, which the controller creates (Envoy Gateway) or Helm installs (Traefik). */
function standIn(edge: EdgePods, target: MigrateOptions['target']): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: edge.name, namespace: edge.namespace, annotations: { 'meshless.dev/stand-in': `the ${target} proxy pods, for the proof only` } },
    spec: {
      selector: { matchLabels: { ...edge.labels } },
      template: {
        metadata: { labels: { ...edge.labels } },
        spec: { containers: [{ name: 'proxy', image: target === 'traefik' ? 'traefik:v3' : 'envoyproxy/envoy:distroless', ports: edge.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })) }] },
      },
    },
  };
}

export type MigrateOutcome = { readonly ok: true; readonly result: MigrationResult } | { readonly ok: false; readonly errors: readonly string[] };

export function migrateIngressNginx(inv: Inventory, options: MigrateOptions): MigrateOutcome {
  const read = readIngressNginx(inv, options.target);
  if (read.errors.length > 0) return { ok: false, errors: read.errors };
  if (read.ingresses.length === 0) return { ok: false, errors: ['no Ingress served by ingress-nginx in the input (by spec.ingressClassName, the kubernetes.io/ingress.class annotation, or the default IngressClass)'] };
  const unsupported: Unsupported[] = [...read.unsupported];
  const gw = options.gateway ?? DEFAULT_GATEWAY;
  const edge = options.target === 'traefik' ? traefikPods(inv) : envoyPods(inv, gw);
  const files: FilePlan[] = options.target === 'traefik' ? renderTraefik(read.ingresses, unsupported) : renderEnvoyGateway(inv, read.ingresses, options.gateway, unsupported);
  const controllerWorkloads = ingressNginxControllers(inv);
  const controllerSources = new Set(controllerWorkloads.map((w) => w.source));
  const controller = inv.endpoints.filter((e) => controllerSources.has(e.source));
  const policies = migratePolicies(inv, controller, edge, read.ingresses);
  if (policies.docs.length > 0) files.push({ path: 'networkpolicies.yaml', title: 'NetworkPolicies: the new edge reaches what the controller reached; oauth2-proxy only from the edge.', docs: policies.docs });

  // The migrated set: the input without the Ingresses, the controller and the rewritten policies, plus what was written.
  const migrated = new Set<LoadedObject>(read.ingresses.map((p) => p.object));
  const replaced = new Set(policies.replaced);
  const generatedKeys = new Set(files.flatMap((f) => f.docs.map((d) => key(d.object))));
  const docs: ParsedDocument[] = [];
  for (const o of inv.objects) {
    if (migrated.has(o) || replaced.has(o) || controllerSources.has(o.source)) continue;
    if (generatedKeys.has(key(o.object))) continue; // the Gateway with listeners added replaces the input's
    docs.push({ value: o.object, source: o.source });
  }
  for (const f of files) f.docs.forEach((d, i) => docs.push({ value: d.object, source: { file: `migrated/${f.path}`, doc: i, line: 1 } }));
  if (!edge.inInput) docs.push({ value: standIn(edge, options.target), source: { file: 'migrated/(stand-in edge pods)', doc: 0, line: 1 } });
  const after = buildInventory(docs, { locate: inv.locate });
  const edgeWorkload = `${edge.namespace}/deployment/${edge.name}`;
  const existingEdge = after.endpoints.find((e) => e.namespace === edge.namespace && Object.entries(edge.labels).every(([k, v]) => e.labels[k] === v));
  const proof = prove({ before: inv, after, migrated, controller, edgeWorkload: existingEdge?.workload ?? edgeWorkload, edgeNamespace: edge.namespace });
  return {
    ok: true,
    result: {
      target: options.target,
      files,
      unsupported: unsupported.sort((a, b) => (a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.line - b.line || (a.annotation < b.annotation ? -1 : a.annotation > b.annotation ? 1 : 0))),
      proof,
      migrated: read.ingresses.map((p) => `${p.namespace}/${p.name}`),
      replacedPolicies: policies.replaced.map((p) => `${p.object.metadata.namespace ?? ''}/${p.object.metadata.name}`),
      edge,
    },
  };
}

function key(o: Obj): string {
  const m = o['metadata'] as { name?: string; namespace?: string } | undefined;
  return `${String(o['apiVersion'])}|${String(o['kind'])}|${m?.namespace ?? ''}|${m?.name ?? ''}`;
}
