/**
 * The Platform spec (`meshless.yaml`): a small description of the services and
 * the four controls, from which `meshless generate` writes every manifest.
 *
 * Two layers, as data: the zod schema checks each field on its own (types,
 * ranges, enums, unknown keys); `checkSpec` then checks what fields say about
 * each other (a flow to a service that does not exist, two services with one
 * name, a public service without a reason...). Both report problems with the
 * field path and what to write instead; the CLI adds the file and line.
 */
import { nearest } from '../model/suggest.js';
import { z } from 'zod';
import { cidrWithin, parseCidr, type Cidr } from '../model/ip.js';
import { labelKeyProblem, labelValueProblem } from '../model/networkpolicy.js';

export const API_VERSION = 'meshless.dev/v1alpha1';
export const KIND = 'Platform';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

const name = (what: string): z.ZodString =>
  z
    .string()
    .max(63, `${what} must be at most 63 characters (it becomes a namespace or object name)`)
    .regex(DNS_LABEL, `${what} must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. orders-db)`);

const port = z
  .number()
  .int('a port is a whole number')
  .min(1, 'ports are 1 to 65535')
  .max(65535, 'ports are 1 to 65535');

const protocol = z.enum(['TCP', 'UDP', 'SCTP']).default('TCP').describe('Transport protocol: TCP (default), UDP or SCTP.');

const cidr = z.string().refine((s) => typeof parseCidr(s) !== 'string', { error: 'must be a CIDR such as 203.0.113.0/24 or 2001:db8::/32' });

const host = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(DNS_NAME, 'must be a fully qualified host name such as shop.example.com'));

const labels = z.record(z.string(), z.string()).superRefine((m, ctx) => {
  for (const [k, v] of Object.entries(m)) {
    const kp = labelKeyProblem(k);
    if (kp) ctx.addIssue({ code: 'custom', path: [k], message: `label key: ${kp}` });
    const vp = labelValueProblem(v);
    if (vp) ctx.addIssue({ code: 'custom', path: [k], message: `label value: ${vp}` });
  }
});

const secretRef = z
  .object({
    name: name('the Secret name').describe('Name of an existing Secret in the auth namespace (created out of band, e.g. by External Secrets).'),
    key: z.string().min(1).describe('Key inside the Secret.'),
  })
  .strict()
  .describe('A reference to an existing Secret. Secret values never appear in the spec or in the output.');

const ServicePort = z.union([
  port,
  z
    .object({
      port: port.describe('Container port number.'),
      name: z.string().max(15).optional().describe('Port name (informational).'),
      protocol,
    })
    .strict(),
]);

const Flow = z
  .object({
    to: name('flows[].to').describe('The service called: the name of another service in this spec (or this service itself, for traffic between its own pods).'),
    port: port.describe('The destination port, exactly (container port of the destination).'),
    protocol,
  })
  .strict()
  .describe('A connection this service opens to another service. Becomes one egress NetworkPolicy here and one ingress NetworkPolicy at the destination.');

const Egress = z
  .object({
    to: z
      .union([z.literal('internet'), z.array(cidr).min(1)])
      .describe('`internet` (every public address: 0.0.0.0/0 without private ranges and the pod network) or a list of CIDRs outside the cluster.'),
    ports: z.array(port).min(1).describe('Destination ports.'),
    protocol,
    host: z.string().optional().describe('What is there, e.g. the DNS name whose addresses the CIDRs are (NetworkPolicies match addresses, not names).'),
  })
  .strict()
  .describe('Connections to addresses outside the cluster.');

const Expose = z
  .object({
    host: host.describe('Public host name, e.g. shop.example.com.'),
    path: z.string().startsWith('/', 'a path starts with /').default('/').describe('Path prefix routed to the service (default /).'),
    port: port.describe('Port of the Kubernetes Service the edge sends traffic to (also the container port the NetworkPolicy opens).'),
    serviceName: name('expose.serviceName').optional().describe('Name of the Kubernetes Service (default: the service name).'),
    public: z.boolean().default(false).describe('Serve without authentication. Needs publicReason.'),
    publicReason: z.string().optional().describe('Why anyone on the internet may use it (required with public: true).'),
  })
  .strict()
  .describe('Exposure through the edge: TLS with a cert-manager certificate, and oauth2-proxy in front unless public.');

export const ServiceSchema = z
  .object({
    name: name('a service name').describe('What the service provides; also its namespace name (namespaces are named by service, not by team).'),
    description: z.string().optional().describe('One line on what it provides (written as an annotation).'),
    podLabels: labels.optional().describe('Labels of its pods (default app.kubernetes.io/name: <name>). NetworkPolicies select the pods by these.'),
    ports: z.array(ServicePort).optional().describe('Container ports its pods listen on. When given, flows and exposure must use one of them.'),
    data: z.boolean().default(false).describe('The namespace holds data (label meshless.dev/data: "true"): the audit watches its egress to the internet.'),
    expose: Expose.optional(),
    flows: z.array(Flow).default([]).describe('Connections to other services.'),
    egress: z.array(Egress).default([]).describe('Connections to addresses outside the cluster.'),
  })
  .strict();

const Dns01 = z
  .object({
    cloudflare: z.object({ apiTokenSecretRef: secretRef.describe('Secret (in the cert-manager namespace) holding the Cloudflare API token.') }).strict().optional(),
    route53: z.object({ region: z.string().min(1), hostedZoneID: z.string().optional() }).strict().optional().describe('AWS Route 53, with ambient credentials (IRSA / instance role).'),
  })
  .strict()
  .describe('DNS-01 solver: exactly one provider.');

export const PlatformSchema = z
  .object({
    apiVersion: z.literal(API_VERSION, { error: `apiVersion must be ${API_VERSION}` }).describe(`Always ${API_VERSION}.`),
    kind: z.literal(KIND, { error: `kind must be ${KIND}` }).describe(`Always ${KIND}.`),
    name: name('name').describe('Platform name: names the Gateway and labels everything (app.kubernetes.io/part-of).'),
    domain: host.describe('The public DNS domain, e.g. shop.example.com. The sign-in host defaults to auth.<domain>.'),
    edge: z
      .object({
        type: z
          .enum(['gateway-api', 'ingress-nginx'])
          .default('gateway-api')
          .describe('gateway-api (default; Envoy Gateway) or ingress-nginx (retired in March 2026: still generated, flagged).'),
        namespace: name('edge.namespace').optional().describe('Where the edge proxies run (default envoy-gateway-system or ingress-nginx).'),
        className: z.string().min(1).optional().describe('GatewayClass (default eg) or IngressClass (default nginx).'),
      })
      .strict()
      .default({ type: 'gateway-api' })
      .describe('The edge: where requests from the internet come in, get TLS and authentication.'),
    tls: z
      .object({
        email: z.email('tls.email must be an e-mail address (Let\'s Encrypt sends expiry warnings to it)').describe('Contact e-mail for the ACME account.'),
        acme: z.enum(['production', 'staging']).default('production').describe("Let's Encrypt production (default) or staging (untrusted certificates, for trying out)."),
        solver: z.enum(['http01', 'dns01']).default('http01').describe('http01 through the edge (default) or dns01.'),
        dns01: Dns01.optional(),
      })
      .strict()
      .describe("Edge TLS: a cert-manager ClusterIssuer for Let's Encrypt, named on every route."),
    auth: z
      .object({
        host: host.optional().describe('Sign-in host, where oauth2-proxy receives the OIDC callback (default auth.<domain>).'),
        namespace: name('auth.namespace').default('auth').describe('Namespace of oauth2-proxy (default auth).'),
        oidc: z
          .object({
            issuerUrl: z.url('auth.oidc.issuerUrl must be the issuer URL, e.g. https://login.example.com/realms/shop').describe('OIDC issuer URL.'),
            clientId: z.string().min(1).describe('OAuth client id (not secret).'),
            clientSecretRef: secretRef.describe('Existing Secret with the OAuth client secret.'),
            cookieSecretRef: secretRef.describe('Existing Secret with the cookie secret (32 random bytes, base64).'),
            scope: z.string().optional().describe('OIDC scopes (default "openid email profile"; add "groups" when allowedGroups needs them).'),
          })
          .strict(),
        allowedGroups: z.array(z.string().min(1)).default([]).describe('Only members of these groups may sign in (oauth2-proxy --allowed-group).'),
        emailDomains: z.array(z.string().min(1)).default([]).describe('Only these e-mail domains may sign in (oauth2-proxy --email-domain); * for any.'),
        providerCidrs: z.array(cidr).optional().describe("The OIDC provider's addresses, for oauth2-proxy's egress (default: the internet on 443)."),
        image: z.string().min(1).default('quay.io/oauth2-proxy/oauth2-proxy:v7.15.6').describe('oauth2-proxy image.'),
        replicas: z.number().int().min(1).max(20).default(2).describe('oauth2-proxy replicas.'),
      })
      .strict()
      .describe('Authentication at the edge: oauth2-proxy with an OIDC provider, in front of every exposed service that is not public.'),
    encryption: z
      .object({
        cni: z.enum(['calico', 'flannel', 'cilium']).describe('The CNI: calico or cilium. flannel is refused: Flannel alone enforces no NetworkPolicy.'),
        mode: z.enum(['wireguard', 'ipsec']).default('wireguard').describe('Node-to-node encryption: wireguard (default) or ipsec (Cilium).'),
      })
      .strict()
      .describe('In-cluster encryption: WireGuard or IPsec in the CNI, between nodes.'),
    cluster: z
      .object({
        podCidr: cidr.default('10.244.0.0/16').describe('The pod network (Flannel net-conf Network; pass it to audit/reach with --pod-cidr for other CNIs).'),
        apiServer: z.array(cidr).min(1, 'give the control-plane addresses, e.g. [10.0.1.0/28]').describe('Where kube-apiserver listens (control-plane node addresses): controllers and CoreDNS need egress there.'),
        apiServerPort: port.default(6443).describe('kube-apiserver port on those addresses (default 6443).'),
        dns: z
          .object({
            namespace: name('cluster.dns.namespace').default('kube-system'),
            podLabels: labels.default({ 'k8s-app': 'kube-dns' }),
            upstream: z.array(cidr).optional().describe('Resolvers CoreDNS forwards to (default: any address outside the pod network, on 53).'),
          })
          .strict()
          .default({ namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } }),
        isolateKubeSystem: z
          .boolean()
          .default(false)
          .describe(
            'Opt in: write a default deny for the DNS namespace (kube-system) too. The spec cannot know the add-ons there (CNI controllers, metrics-server, CSI drivers, cloud controllers) that it would cut off: they then need their own policies. `generate --input` lists what the cluster\'s manifests show would lose traffic.',
          ),
      })
      .strict()
      .describe('Facts about the cluster the policies need: pod network, kube-apiserver addresses, DNS.'),
    teams: z
      .object({
        network: z.string().min(1).describe('The group (as your identity provider names it) that alone may edit NetworkPolicies.'),
        apps: z
          .array(
            z
              .object({
                name: name('teams.apps[].name'),
                group: z.string().min(1).describe('The group of the team.'),
                services: z.array(z.string()).min(1).describe('Services the team may deploy (each namespace gets a Role without NetworkPolicy write).'),
              })
              .strict(),
          )
          .default([])
          .describe('App teams and the services each may deploy.'),
      })
      .strict()
      .describe('Who may change what: the network team alone edits NetworkPolicies.'),
    services: z.array(ServiceSchema).min(1, 'describe at least one service').describe('The services: each becomes a namespace named by what it provides.'),
  })
  .strict();

export type PlatformInput = z.input<typeof PlatformSchema>;
export type Platform = z.output<typeof PlatformSchema>;
export type Service = Platform['services'][number];
export type Flow = Service['flows'][number];
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One problem with the spec: where (field path) and what to write instead. */
export interface SpecProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly hint?: string;
}

/** `services[2].flows[0].to`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out === '' ? '(top level)' : out;
}



/** Field names a schema node accepts at a path, for "unknown field" hints. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  let node: z.ZodType = PlatformSchema;
  for (const p of path) {
    node = unwrap(node);
    if (typeof p === 'number' && node instanceof z.ZodArray) node = node.element as z.ZodType;
    else if (typeof p === 'string' && node instanceof z.ZodObject) {
      const next = (node.shape as Record<string, z.ZodType>)[p];
      if (!next) return [];
      node = next;
    } else return [];
  }
  node = unwrap(node);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function unwrap(t: z.ZodType): z.ZodType {
  let cur = t;
  for (let i = 0; i < 10; i++) {
    if (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
    else if (cur instanceof z.ZodPipe) cur = cur.in as z.ZodType;
    else break;
  }
  return cur;
}

function fromZodIssue(i: z.core.$ZodIssue): SpecProblem[] {
  const path = i.path.filter((p): p is string | number => typeof p !== 'symbol');
  switch (i.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(path);
      return i.keys.map((k) => {
        const near = nearest(k, known);
        return {
          path: [...path, k],
          message: `unknown field "${k}"`,
          hint: near ? `did you mean ${near}? Fields here: ${known.join(', ')}` : `fields here: ${known.join(', ')}`,
        };
      });
    }
    case 'invalid_value': {
      const values = i.values.map((v) => JSON.stringify(v));
      return [{ path, message: i.message.startsWith('Invalid') ? `must be one of ${values.join(', ')}` : i.message, hint: `write one of: ${values.join(', ')}` }];
    }
    case 'invalid_union':
      return [{ path, message: 'has the wrong shape', hint: unionHint(path) }];
    case 'invalid_type': {
      if (i.message.includes('received undefined')) {
        const hint = requiredHint(path);
        return [hint !== undefined ? { path, message: 'is required', hint } : { path, message: 'is required' }];
      }
      return [{ path, message: `must be ${articled(i.expected)}` }];
    }
    default:
      return [{ path, message: i.message }];
  }
}

function articled(t: string): string {
  if (t === 'array') return 'a list';
  if (t === 'object') return 'a mapping (key: value)';
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function unionHint(path: readonly (string | number)[]): string {
  const last = path[path.length - 1];
  if (last === 'to') return 'write to: internet, or to: [203.0.113.0/24, ...]';
  if (path.includes('ports')) return 'write a port number (8080), or {port: 8080, name: http, protocol: TCP}';
  return 'see `meshless schema` for the accepted forms';
}

const REQUIRED_HINTS: Record<string, string> = {
  apiVersion: `apiVersion: ${API_VERSION}`,
  kind: `kind: ${KIND}`,
  name: 'name: shop',
  domain: 'domain: shop.example.com',
  tls: 'tls:\n  email: platform-team@example.com',
  email: 'email: platform-team@example.com',
  auth: 'auth:\n  oidc:\n    issuerUrl: https://login.example.com\n    clientId: shop\n    clientSecretRef: {name: oauth2-proxy, key: client-secret}\n    cookieSecretRef: {name: oauth2-proxy, key: cookie-secret}',
  oidc: 'oidc:\n  issuerUrl: https://login.example.com\n  clientId: shop\n  clientSecretRef: {name: oauth2-proxy, key: client-secret}\n  cookieSecretRef: {name: oauth2-proxy, key: cookie-secret}',
  encryption: 'encryption:\n  cni: calico',
  cni: 'cni: calico   # or flannel, cilium',
  cluster: 'cluster:\n  apiServer: [10.0.1.0/28]   # your control-plane addresses',
  apiServer: 'apiServer: [10.0.1.0/28]   # your control-plane addresses',
  teams: 'teams:\n  network: network-team',
  network: 'network: network-team',
  services: 'services:\n  - name: storefront',
  port: 'port: 8080',
  to: 'to: catalog',
  host: 'host: shop.example.com',
  ports: 'ports: [443]',
};

function requiredHint(path: readonly (string | number)[]): string | undefined {
  const last = path[path.length - 1];
  const h = typeof last === 'string' ? REQUIRED_HINTS[last] : undefined;
  return h ? `add ${h}` : undefined;
}

export type ParseResult = { readonly ok: true; readonly spec: Platform } | { readonly ok: false; readonly problems: readonly SpecProblem[] };

/** Validates a parsed YAML document: the fields, then what they say about each other. */
export function parseSpec(raw: unknown): ParseResult {
  const r = PlatformSchema.safeParse(raw);
  if (!r.success) return { ok: false, problems: r.error.issues.flatMap(fromZodIssue) };
  const problems = checkSpec(r.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, spec: r.data };
}

// ---------------------------------------------------------------------------
// Cross-field checks

/** Container ports a service declares, or undefined when it declares none (then any port is accepted). */
export function declaredPorts(s: Service): { port: number; protocol: Protocol; name?: string }[] | undefined {
  if (!s.ports) return undefined;
  return s.ports.map((p) => (typeof p === 'number' ? { port: p, protocol: 'TCP' as const } : { port: p.port, protocol: p.protocol, ...(p.name !== undefined ? { name: p.name } : {}) }));
}

const RESERVED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

function cidrOf(s: string): Cidr {
  return parseCidr(s) as Cidr;
}

/** The problems a schema-valid spec has across fields, each with its path and what to write instead. */
export function checkSpec(spec: Platform): SpecProblem[] {
  const out: SpecProblem[] = [];
  const names = spec.services.map((s) => s.name);
  const byName = new Map<string, Service>();
  const edgeNs = edgeNamespace(spec);
  const platformNs = new Map<string, string>([
    [spec.auth.namespace, 'auth.namespace (oauth2-proxy)'],
    [edgeNs, 'edge.namespace (the edge proxies)'],
    [spec.cluster.dns.namespace, 'cluster.dns.namespace'],
  ]);
  if (spec.auth.namespace === edgeNs) out.push({ path: ['auth', 'namespace'], message: `oauth2-proxy and the edge proxies would share namespace ${edgeNs}`, hint: 'keep them apart, e.g. auth.namespace: auth' });

  spec.services.forEach((s, i) => {
    const first = byName.get(s.name);
    if (first) {
      out.push({ path: ['services', i, 'name'], message: `duplicate service name "${s.name}" (also services[${spec.services.indexOf(first)}])`, hint: 'each service is one namespace: give it a distinct name, or merge the two entries' });
      return;
    }
    byName.set(s.name, s);
    const clash = platformNs.get(s.name);
    if (clash) out.push({ path: ['services', i, 'name'], message: `service "${s.name}" would share its namespace with ${clash}`, hint: 'name the service after what it provides, e.g. orders-db; the platform namespaces are taken' });
    else if (RESERVED_NAMESPACES.includes(s.name)) out.push({ path: ['services', i, 'name'], message: `"${s.name}" is a Kubernetes system namespace`, hint: 'name the service after what it provides, e.g. catalog' });
  });

  const pod = cidrOf(spec.cluster.podCidr);
  spec.cluster.apiServer.forEach((c, i) => {
    if (overlaps(cidrOf(c), pod)) out.push({ path: ['cluster', 'apiServer', i], message: `${c} overlaps the pod network ${spec.cluster.podCidr}`, hint: 'give the control-plane node addresses (where kube-apiserver listens), not pod addresses' });
  });
  (spec.cluster.dns.upstream ?? []).forEach((c, i) => {
    if (cidrWithin(cidrOf(c), pod)) out.push({ path: ['cluster', 'dns', 'upstream', i], message: `${c} is inside the pod network ${spec.cluster.podCidr}`, hint: 'give the resolvers CoreDNS forwards to (e.g. your VPC resolver 10.0.0.2/32)' });
  });
  (spec.auth.providerCidrs ?? []).forEach((c, i) => {
    if (cidrWithin(cidrOf(c), pod)) out.push({ path: ['auth', 'providerCidrs', i], message: `${c} is inside the pod network ${spec.cluster.podCidr}`, hint: 'give the OIDC provider\'s public addresses, or leave providerCidrs out for the internet on 443' });
  });

  const routes = new Map<string, string>();
  const authHost = authHostOf(spec);
  spec.services.forEach((s, i) => {
    const ports = declaredPorts(s);
    const portText = (ps: { port: number; protocol: string }[]): string => ps.map((p) => `${p.port}/${p.protocol}`).join(', ');
    if (s.expose) {
      const e = s.expose;
      const at = ['services', i, 'expose'];
      if (e.public && !e.publicReason?.trim()) {
        out.push({ path: [...at, 'publicReason'], message: `service ${s.name} is public but gives no reason`, hint: 'add publicReason: "<why anyone on the internet may use it>", or remove public: true to put oauth2-proxy in front of it' });
      }
      if (!e.public && e.publicReason !== undefined) {
        out.push({ path: [...at, 'publicReason'], message: 'publicReason is only read with public: true', hint: 'add public: true if it is meant to be public, or remove publicReason' });
      }
      if (ports && !ports.some((p) => p.port === e.port && p.protocol === 'TCP')) {
        out.push({ path: [...at, 'port'], message: `port ${e.port} is not a TCP port of ${s.name} (it declares ${portText(ports)})`, hint: `write one of its ports, or add ${e.port} to services[${i}].ports` });
      }
      if (e.host === authHost) out.push({ path: [...at, 'host'], message: `${e.host} is the sign-in host (auth.host)`, hint: `use another host, or set auth.host to a different name` });
      if (!hostInDomain(e.host, spec.domain)) {
        out.push({ path: [...at, 'host'], message: `${e.host} is not in domain ${spec.domain}`, hint: `use a host under ${spec.domain} (oauth2-proxy's cookie is set for .${spec.domain}), e.g. ${s.name}.${spec.domain}` });
      }
      const key = `${e.host}${e.path}`;
      const other = routes.get(key);
      if (other) out.push({ path: [...at, 'path'], message: `${e.host}${e.path} is already routed to ${other}`, hint: 'give each service its own host or path' });
      else routes.set(key, s.name);
    }
    const seen = new Map<string, number>();
    s.flows.forEach((f, j) => {
      const at = ['services', i, 'flows', j];
      const key = `${f.to}|${f.port}|${f.protocol}`;
      const dup = seen.get(key);
      if (dup !== undefined) out.push({ path: at, message: `duplicate flow to ${f.to} on ${f.port}/${f.protocol} (also flows[${dup}])`, hint: 'remove one of them' });
      else seen.set(key, j);
      const target = byName.get(f.to);
      if (!target) {
        const near = nearest(f.to, names);
        out.push({ path: [...at, 'to'], message: `unknown service "${f.to}"`, hint: near ? `did you mean ${near}? Services: ${names.join(', ')}` : `write one of the services: ${names.join(', ')}${f.to === spec.auth.namespace ? ' (oauth2-proxy is reached through the edge, not by flows)' : ''}` });
        return;
      }
      const tp = declaredPorts(target);
      if (tp && !tp.some((p) => p.port === f.port && p.protocol === f.protocol)) {
        out.push({ path: [...at, 'port'], message: `${f.to} does not listen on ${f.port}/${f.protocol} (it declares ${portText(tp)})`, hint: `write one of its ports, or add ${f.port} to the ports of ${f.to}` });
      }
    });
    s.egress.forEach((e, j) => {
      if (e.to === 'internet') return;
      e.to.forEach((c, k) => {
        if (cidrWithin(cidrOf(c), pod)) out.push({ path: ['services', i, 'egress', j, 'to', k], message: `${c} is inside the pod network ${spec.cluster.podCidr}`, hint: 'egress is for addresses outside the cluster; for another service write a flow (flows: [{to: <service>, port: ...}])' });
      });
    });
  });

  const owner = new Map<string, number>();
  spec.teams.apps.forEach((t, i) => {
    t.services.forEach((svc, j) => {
      const at = ['teams', 'apps', i, 'services', j];
      if (!byName.has(svc)) {
        const near = nearest(svc, names);
        out.push({ path: at, message: `team ${t.name} owns unknown service "${svc}"`, hint: near ? `did you mean ${near}? Services: ${names.join(', ')}` : `write one of the services: ${names.join(', ')}` });
        return;
      }
      const prev = owner.get(svc);
      if (prev !== undefined && prev !== i) out.push({ path: at, message: `service ${svc} is already owned by team ${spec.teams.apps[prev]!.name}`, hint: 'give each service one owning team' });
      else owner.set(svc, i);
    });
    if (t.group === spec.teams.network) out.push({ path: ['teams', 'apps', i, 'group'], message: `team ${t.name} uses the network team's group ${t.group}`, hint: 'app teams must not be in the network team: give the team its own group' });
  });
  const teamNames = new Map<string, number>();
  spec.teams.apps.forEach((t, i) => {
    if (teamNames.has(t.name)) out.push({ path: ['teams', 'apps', i, 'name'], message: `duplicate team name "${t.name}"`, hint: 'give each team a distinct name' });
    else teamNames.set(t.name, i);
  });

  const nsOwners = [
    [spec.auth.namespace, ['auth', 'namespace']],
    [edgeNs, ['edge', 'namespace']],
    [spec.cluster.dns.namespace, ['cluster', 'dns', 'namespace']],
  ] as const;
  if (edgeNs === spec.cluster.dns.namespace) out.push({ path: nsOwners[1][1], message: `the edge and CoreDNS would share namespace ${edgeNs}`, hint: 'run the edge in its own namespace, e.g. envoy-gateway-system' });
  if (spec.auth.namespace === spec.cluster.dns.namespace) out.push({ path: nsOwners[0][1], message: `oauth2-proxy and CoreDNS would share namespace ${spec.auth.namespace}`, hint: 'write auth.namespace: auth' });
  if (!hostInDomain(authHost, spec.domain)) {
    out.push({ path: ['auth', 'host'], message: `${authHost} is not in domain ${spec.domain}`, hint: `the sign-in cookie is set for .${spec.domain}: use a host under it, e.g. auth.${spec.domain}` });
  }
  if (spec.encryption.cni === 'flannel') {
    // Flannel only moves packets: NetworkPolicy needs a controller beside it (Canal, kube-router, k3s's embedded one).
    out.push({
      path: ['encryption', 'cni'],
      message: 'Flannel does not enforce NetworkPolicy: the policies meshless generates would segregate nothing on a Flannel-only cluster, so it refuses to generate them',
      hint: 'write cni: calico or cni: cilium; on a Flannel cluster, install a policy controller beside it first (Canal, or kube-router with --run-firewall only) and audit with it in the input',
    });
  }
  if (spec.encryption.cni === 'flannel' && spec.encryption.mode === 'ipsec') {
    out.push({ path: ['encryption', 'mode'], message: "Flannel's ipsec backend keeps its pre-shared key in net-conf.json, a ConfigMap: meshless does not write secret values", hint: 'write mode: wireguard (Flannel), or use cni: cilium for IPsec with keys from a Secret' });
  }
  if (spec.encryption.cni === 'calico' && spec.encryption.mode === 'ipsec') {
    out.push({ path: ['encryption', 'mode'], message: 'Calico (open source) encrypts with WireGuard only', hint: 'write mode: wireguard, or use cni: flannel or cilium for IPsec' });
  }
  if (spec.tls.solver === 'dns01') {
    const providers = [spec.tls.dns01?.cloudflare, spec.tls.dns01?.route53].filter((p) => p !== undefined).length;
    if (providers !== 1) out.push({ path: ['tls', 'dns01'], message: providers === 0 ? 'solver dns01 needs a DNS provider' : 'give exactly one DNS provider', hint: 'add dns01: {cloudflare: {apiTokenSecretRef: {name: cloudflare-api-token, key: api-token}}} or dns01: {route53: {region: eu-west-1}}' });
  } else if (spec.tls.dns01 !== undefined) {
    out.push({ path: ['tls', 'dns01'], message: 'dns01 is only read with solver: dns01', hint: 'add solver: dns01, or remove dns01' });
  }
  if (spec.auth.allowedGroups.length === 0 && spec.auth.emailDomains.length === 0) {
    out.push({ path: ['auth'], message: 'nobody is allowed to sign in: give allowedGroups or emailDomains', hint: 'add allowedGroups: [shop-staff] (needs the groups claim) or emailDomains: [example.com]' });
  }
  return out;
}

function hostInDomain(h: string, domain: string): boolean {
  const bare = h.replace(/^\*\./, '');
  return bare === domain || bare.endsWith(`.${domain}`);
}

export function edgeNamespace(spec: Platform): string {
  return spec.edge.namespace ?? (spec.edge.type === 'gateway-api' ? 'envoy-gateway-system' : 'ingress-nginx');
}

export function authHostOf(spec: Platform): string {
  return spec.auth.host ?? `auth.${spec.domain}`;
}
