import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { Protocol } from '../model/networkpolicy.js';
import type { Endpoint } from '../model/workloads.js';
import type { Analysis, Peer, PodClass } from '../netpol/analysis.js';
import type { ExternalAtom } from '../netpol/ipset.js';
import { hasPort } from '../netpol/ports.js';
import { matches } from '../netpol/selector.js';
import { defineCheck, type CheckContext, type EntryPoint, type FindingDraft } from './types.js';
import {
  clusterServiceOfUrl,
  describe,
  endpointObject,
  entryDetail,
  entryPoints,
  field,
  findService,
  hostAndPath,
  ingressNginxControllers,
  INGRESS_NGINX,
  GATEWAY_API,
  joinList,
  list,
  nameOf,
  nsOf,
  runsImage,
  str,
  TRAEFIK,
  workloads,
} from '../exposure/index.js';
import { isRecord } from '../model/json.js';
import { oauth2ProxyContainers } from './oauth2-proxy.js';
import { podPeer, type Obj } from '../generate/platform.js';
import { networkPolicyObject, rule } from '../generate/policies.js';

const bad = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: admin
  namespace: backoffice
  annotations:
    nginx.ingress.kubernetes.io/auth-url: "http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth"
    nginx.ingress.kubernetes.io/auth-signin: "https://auth.example.com/oauth2/start?rd=https://$host$escaped_request_uri"
spec:
  ingressClassName: nginx
  rules:
    - host: admin.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: admin
                port:
                  number: 80
---
apiVersion: v1
kind: Service
metadata:
  name: admin
  namespace: backoffice
spec:
  selector:
    app.kubernetes.io/name: admin
  ports:
    - port: 80
      targetPort: http
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: admin
  namespace: backoffice
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: admin
  template:
    metadata:
      labels:
        app.kubernetes.io/name: admin
    spec:
      containers:
        - name: admin
          image: example/admin:1.0
          ports:
            - name: http
              containerPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: ingress-nginx
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ingress-nginx
        app.kubernetes.io/component: controller
    spec:
      containers:
        - name: controller
          image: registry.k8s.io/ingress-nginx/controller:v1.11.3
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reporting
  namespace: team-green
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: reporting
  template:
    metadata:
      labels:
        app.kubernetes.io/name: reporting
    spec:
      containers:
        - name: reporting
          image: example/reporting:1.0
`;

const good = `${bad}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: admin-only-from-edge
  namespace: backoffice
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: admin
  policyTypes:
    - Ingress
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: ingress-nginx
          podSelector:
            matchLabels:
              app.kubernetes.io/name: ingress-nginx
              app.kubernetes.io/component: controller
      ports:
        - protocol: TCP
          port: 8080
`;

/** A port on the application's pods that the edge (or oauth2-proxy) sends authenticated requests to. */
interface Served {
  readonly endpoint: Endpoint;
  readonly port: number;
  readonly protocol: Protocol;
  /** `admin.example.com (Ingress backoffice/admin, auth-url …)`. */
  readonly what: string;
  /** The endpoints of the proxy that authenticates on this path. */
  readonly proxies: readonly Endpoint[];
  /** The Service's selector, for the NetworkPolicy in the fix. */
  readonly selector: Readonly<Record<string, string>>;
}

const TRAEFIK_IMAGE = /(^|\/)traefik(:|@|$)/;

function endpointsOfWorkloads(inv: Inventory, ws: readonly LoadedObject[]): Endpoint[] {
  const sources = new Set(ws.map((w) => w.source));
  return inv.endpoints.filter((e) => sources.has(e.source));
}

/** The pods that carry an entry point's traffic into the cluster. */
function edgePods(ctx: CheckContext, ep: EntryPoint): Endpoint[] {
  const inv = ctx.inventory;
  if (ep.via === INGRESS_NGINX) return endpointsOfWorkloads(inv, ingressNginxControllers(inv));
  if (ep.via === TRAEFIK) return endpointsOfWorkloads(inv, workloads(inv).filter((w) => runsImage(w, (image) => TRAEFIK_IMAGE.test(image.toLowerCase()))));
  if (ep.via === GATEWAY_API) {
    const gw = entryDetail(ctx, ep)?.listener?.gateway;
    if (!gw) return [];
    // Envoy Gateway labels the proxy pods it runs for a Gateway with the Gateway's name and namespace.
    return inv.endpoints.filter((e) => e.labels['gateway.envoyproxy.io/owning-gateway-name'] === nameOf(gw) && e.labels['gateway.envoyproxy.io/owning-gateway-namespace'] === nsOf(gw));
  }
  return [];
}

/** The container port a Service port (number, name or the first) sends to on one endpoint. */
function containerPort(svc: LoadedObject, port: number | string | undefined, e: Endpoint): { port: number; protocol: Protocol } | undefined {
  const ports = list(field(svc.object, 'spec', 'ports'));
  const sp = port === undefined ? ports[0] : ports.find((p) => (typeof port === 'number' ? field(p, 'port') === port : field(p, 'name') === port));
  if (!isRecord(sp)) return undefined;
  const protocol = (str(sp['protocol']) ?? 'TCP') as Protocol;
  const target = sp['targetPort'] ?? sp['port'];
  if (typeof target === 'number') return { port: target, protocol };
  if (typeof target === 'string') {
    if (/^\d+$/.test(target)) return { port: Number(target), protocol };
    const cp = e.ports.find((p) => p.name === target && p.protocol === protocol);
    return cp ? { port: cp.port, protocol } : undefined;
  }
  return undefined;
}

function selectorOf(svc: LoadedObject): Record<string, string> {
  const sel = field(svc.object, 'spec', 'selector');
  const out: Record<string, string> = {};
  if (isRecord(sel)) for (const [k, v] of Object.entries(sel)) if (typeof v === 'string') out[k] = v;
  return out;
}

function servedPorts(ctx: CheckContext): Served[] {
  const inv = ctx.inventory;
  const out: Served[] = [];
  for (const ep of entryPoints(ctx)) {
    // Public routes and the sign-in endpoint are not behind authentication; nothing to go around.
    if (!ep.authenticated || entryDetail(ctx, ep)?.signIn) continue;
    const svc = findService(inv, ep.service.namespace, ep.service.name);
    if (!svc) continue;
    const proxies = edgePods(ctx, ep);
    const ids = new Set(ep.endpoints);
    for (const e of inv.endpoints) {
      if (!ids.has(e.id)) continue;
      const cp = containerPort(svc, ep.service.port, e);
      if (cp) out.push({ endpoint: e, ...cp, what: `${hostAndPath(ep)} (${describe(ep.route)}, ${ep.authBy ?? 'authenticated'})`, proxies, selector: selectorOf(svc) });
    }
  }
  // oauth2-proxy in front of its upstreams: only oauth2-proxy may reach them.
  for (const p of oauth2ProxyContainers(inv)) {
    const up = p.option('upstream');
    if (!up) continue;
    const proxies = endpointsOfWorkloads(inv, [p.workload]);
    for (const url of up.values) {
      if (!/^https?:\/\//i.test(url)) continue;
      const ref = clusterServiceOfUrl(url, nsOf(p.workload), inv);
      const svc = ref ? findService(inv, ref.namespace, ref.name) : undefined;
      if (!ref || !svc) continue;
      const scheme = url.toLowerCase().startsWith('https') ? 443 : 80;
      for (const e of inv.endpoints.filter((x) => x.namespace === ref.namespace)) {
        if (!serviceSelects(svc, e)) continue;
        const cp = containerPort(svc, ref.port ?? scheme, e) ?? containerPort(svc, undefined, e);
        if (cp) out.push({ endpoint: e, ...cp, what: `oauth2-proxy upstream ${url} (${describe(p.workload)})`, proxies, selector: selectorOf(svc) });
      }
    }
  }
  return out;
}

function serviceSelects(svc: LoadedObject, e: Endpoint): boolean {
  const sel = selectorOf(svc);
  const keys = Object.keys(sel);
  return keys.length > 0 && keys.every((k) => e.labels[k] === sel[k]);
}

/** The first address of an external atom, so that `explain` can be asked about it. */
function addressIn(atom: ExternalAtom): string | undefined {
  const v4 = atom.set.v4[0];
  if (v4) {
    const n = v4[0];
    return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  }
  const v6 = atom.set.v6[0];
  if (!v6) return undefined;
  const n = v6[0];
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((n >> s) & 0xffffn).toString(16));
  return groups.join(':');
}

interface Bypass {
  readonly served: Served;
  /** Workload ids and external atom ids that reach the port without the proxy. */
  readonly sources: string[];
  /** A source to explain: an endpoint id or an address. */
  readonly sample: string | { ip: string };
}

/**
 * Is the source admitted only as a named caller — a policy peer whose podSelector
 * picks its pods by label (a declared service-to-service flow)? Those are intended
 * east-west calls; what goes around the edge is what is admitted broadly: an
 * unisolated pod, a rule for every peer, a whole namespace, or an ipBlock.
 */
function namedCaller(a: Analysis, src: PodClass, dst: PodClass, s: Served): boolean {
  if (!dst.ingressIsolated) return false;
  const peer: Peer = { kind: 'class', cls: src };
  const dstPeer: Peer = { kind: 'class', cls: dst };
  let admitted = false;
  for (const gi of dst.ingressGrants) {
    const g = a.grants[gi]!;
    if (!hasPort(a.grantPorts(g, dstPeer), s.protocol, s.port)) continue;
    if (!a.familiesOf(peer).some((f) => a.grantHas(g, peer, f))) continue;
    admitted = true;
    if (g.allPeers || g.allClasses) return false;
    const named = (g.rule.peers ?? []).some((p) => p.kind === 'selector' && p.podSelector !== undefined && (Object.keys(p.podSelector.matchLabels).length > 0 || p.podSelector.matchExpressions.length > 0) && matches(p.podSelector, src.labels));
    if (!named) return false;
  }
  return admitted;
}

/** Sources outside the application's namespace (and the internet) that reach a served port, other than the proxy. */
function bypasses(a: Analysis, s: Served, cache: Map<string, { sources: string[]; sample?: string | { ip: string } }>): Bypass | undefined {
  const dstClass = a.classOf(s.endpoint.id);
  if (!dstClass) return undefined;
  const proxyClasses = new Set(s.proxies.map((e) => a.classOf(e.id)).filter((c): c is PodClass => c !== undefined));
  const key = `${dstClass.id}|${s.protocol}/${s.port}|${[...proxyClasses].map((c) => c.id).sort().join(',')}`;
  let hit = cache.get(key);
  if (!hit) {
    const dst: Peer = { kind: 'class', cls: dstClass };
    const sources = new Set<string>();
    let sample: string | { ip: string } | undefined;
    for (const c of a.classes) {
      if (c.namespace.name === dstClass.namespace.name || proxyClasses.has(c)) continue;
      if (!hasPort(a.allowedPorts({ kind: 'class', cls: c }, dst), s.protocol, s.port)) continue;
      if (namedCaller(a, c, dstClass, s)) continue;
      for (const e of c.endpoints) sources.add(e.workload);
      sample ??= c.endpoints[0]!.id;
    }
    for (const atom of a.external) {
      if (!hasPort(a.allowedPorts({ kind: 'external', atom }, dst), s.protocol, s.port)) continue;
      sources.add(atom.id);
      if (sample === undefined) {
        const ip = addressIn(atom);
        if (ip) sample = { ip };
      }
    }
    hit = sample === undefined ? { sources: [...sources].sort() } : { sources: [...sources].sort(), sample };
    cache.set(key, hit);
  }
  if (hit.sources.length === 0 || hit.sample === undefined) return undefined;
  return { served: s, sources: hit.sources, sample: hit.sample };
}

function yamlLabels(labels: Readonly<Record<string, string>>, indent: string): string {
  return Object.entries(labels)
    .map(([k, v]) => `${indent}${k}: ${JSON.stringify(v)}`)
    .join('\n');
}

/** Labels that name the proxy's pods (not the per-revision ones). */
function proxyLabels(e: Endpoint): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.labels)) if (k !== 'pod-template-hash' && k !== 'controller-revision-hash' && k !== 'app.kubernetes.io/version' && k !== 'helm.sh/chart') out[k] = v;
  return out;
}

function closingPolicy(b: Bypass): string {
  const s = b.served;
  const proxies = [...new Map(s.proxies.map((p) => [`${p.namespace}|${JSON.stringify(proxyLabels(p))}`, p])).values()];
  const from = proxies.map(
    (p) =>
      `        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: ${p.namespace}\n          podSelector:\n            matchLabels:\n${yamlLabels(proxyLabels(p), '              ')}`,
  );
  from.push('        - podSelector: {}   # the pods of its own namespace, as before');
  const selector = Object.keys(s.selector).length > 0 ? s.selector : proxyLabels(s.endpoint);
  return [
    'apiVersion: networking.k8s.io/v1',
    'kind: NetworkPolicy',
    'metadata:',
    `  name: ${s.endpoint.name}-only-from-edge`,
    `  namespace: ${s.endpoint.namespace}`,
    'spec:',
    '  podSelector:',
    '    matchLabels:',
    yamlLabels(selector, '      '),
    '  policyTypes:',
    '    - Ingress',
    '  ingress:',
    '    - from:',
    ...from,
    '      ports:',
    `        - protocol: ${s.protocol}`,
    `          port: ${s.port}`,
  ].join('\n');
}

/** The policy `closingPolicy` shows, built as `meshless generate` builds NetworkPolicies. */
function closingPolicyObject(b: Bypass): Obj {
  const s = b.served;
  const proxies = [...new Map(s.proxies.map((p) => [`${p.namespace}|${JSON.stringify(proxyLabels(p))}`, p])).values()];
  const selector = Object.keys(s.selector).length > 0 ? s.selector : proxyLabels(s.endpoint);
  return networkPolicyObject({
    namespace: s.endpoint.namespace,
    name: `${s.endpoint.name}-only-from-edge`,
    select: { ...selector },
    types: ['Ingress'],
    ingress: [rule('from', [...proxies.map((p) => podPeer(p.namespace, { ...proxyLabels(p) })), { podSelector: {} }], [{ protocol: s.protocol, port: s.port }])],
  });
}

export default defineCheck({
  id: 'auth-gateway-bypass',
  control: 'authentication',
  title: 'Authenticated application reachable around the edge',
  severity: 'high',
  rationale:
    'Authentication at the edge protects an application only if the edge is the only way in. When pods of other namespaces, or addresses outside ' +
    'the cluster, may open connections to the port the edge serves (or to oauth2-proxy\'s upstream), they talk to the application without ever ' +
    'meeting oauth2-proxy: a compromised pod elsewhere, or a leaked pod address, is an unauthenticated user. Callers a policy names by their pod ' +
    'labels (declared service-to-service flows) are intended; what is reported is what is admitted broadly. The NetworkPolicy engine answers ' +
    'this exactly, per served port; the fix admits only the edge\'s pods there.',
  fixSummary: 'Admit only the edge proxy\'s pods (and the application\'s own namespace) to the served port with a NetworkPolicy, and narrow the rules that admit the others.',
  requirements: ['PCI-DSS 8.3.1', 'PCI-DSS 1.3.1'],
  examples: { bad, good },
  evidence: ['Service'],
  run(ctx) {
    const a = ctx.analysis;
    const cache = new Map<string, { sources: string[]; sample?: string | { ip: string } }>();
    // Every edge that serves a (pod, port) may reach it: group first, then ask the engine once per group.
    const groups = new Map<string, { served: Served; whats: string[]; proxies: Map<string, Endpoint> }>();
    for (const s of servedPorts(ctx)) {
      const key = `${s.endpoint.id}|${s.protocol}/${s.port}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { served: s, whats: [], proxies: new Map() }));
      if (!g.whats.includes(s.what)) g.whats.push(s.what);
      for (const p of s.proxies) g.proxies.set(p.id, p);
    }
    const byKey = new Map<string, Bypass & { whats: string[] }>();
    for (const [key, g] of groups) {
      const b = bypasses(a, { ...g.served, proxies: [...g.proxies.values()] }, cache);
      if (b) byKey.set(key, { ...b, whats: g.whats });
    }
    const out: FindingDraft[] = [];
    for (const b of byKey.values()) {
      const s = b.served;
      const object = endpointObject(ctx.inventory, s.endpoint);
      if (!object) continue;
      const ex = a.explain(b.sample, s.endpoint.id, { port: s.port, protocol: s.protocol });
      const rules = ex.ingress.policies.flatMap((p) => p.rules.filter((r) => r.allows).map((r) => `NetworkPolicy ${p.namespace}/${p.name} ingress rule ${r.index + 1} (${r.file}:${r.line})`));
      const narrow = ex.ingress.isolated && rules.length > 0 ? `\nA new policy only adds: also narrow what already admits them — ${rules.join('; ')}.` : '';
      out.push({
        object,
        message:
          `${describe(object)} serves ${joinList(b.whats, 2)} on ${s.port}/${s.protocol}, but ${b.sources.length} other source${b.sources.length === 1 ? '' : 's'} reach${b.sources.length === 1 ? 'es' : ''} that port without the ` +
          `${s.proxies.length > 0 ? 'edge' : 'edge (whose pods are not in the input)'}: ${joinList(b.sources, 4)}`,
        fix: `${ex.summary}\n  egress: ${ex.egress.summary}\n  ingress: ${ex.ingress.summary}\nAdmit only the edge on that port:\n${closingPolicy(b)}${narrow}`,
        fixObjects: [closingPolicyObject(b)],
      });
    }
    return out;
  },
});
