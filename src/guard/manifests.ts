/**
 * What installs the guard (`meshless guard manifests | kubectl apply -f -`).
 * Pure: options in, objects and YAML out.
 *
 * - Namespace meshless-system (Pod Security `restricted`), ServiceAccount, and a
 *   ClusterRole that may only get, list and watch NetworkPolicies and Namespaces,
 *   and the edge checks' context: IngressClasses, Gateways, GatewayClasses,
 *   ReferenceGrants, Envoy Gateway SecurityPolicies and EnvoyProxies, cert-manager
 *   Issuers and ClusterIssuers, Traefik Middlewares.
 * - Deployment: 2 replicas spread across nodes, a PodDisruptionBudget, non-root,
 *   read-only root filesystem, no capabilities, resources, probes on /healthz and
 *   /readyz, the serving certificate mounted from its Secret.
 * - Service, and the ValidatingWebhookConfiguration: Pods, the pod controllers,
 *   Namespaces, Ingresses and Gateway API routes; never kube-system or the guard's
 *   own namespace (so that the guard can always start), 5 s timeout, the configured
 *   failure policy, and cert-manager's CA injection.
 * - cert-manager: a self-signed Issuer that makes a CA, a CA Issuer, and the serving
 *   Certificate (renewed by cert-manager; the guard reloads it).
 * - A NetworkPolicy for the guard itself: ingress on 8443 from the control plane
 *   (and Prometheus), egress to the API server only.
 */
import { renderDoc } from '../generate/yaml.js';
import { VERSION } from '../version.js';
import { guardRbacRules, type FailurePolicy, type GuardMode } from './decide.js';

export interface ManifestOptions {
  readonly image: string;
  readonly namespace: string;
  readonly mode: GuardMode;
  readonly failurePolicy: FailurePolicy;
  readonly requireEgress: boolean;
  /** Extra namespaces exempt from review (also left out by the webhook's namespaceSelector). */
  readonly exemptNamespaces: readonly string[];
  /** Where the API server's requests come from and where it listens: the control-plane nodes. */
  readonly controlPlaneCidrs: readonly string[];
  /** The namespace Prometheus scrapes from. */
  readonly metricsNamespace: string;
  readonly replicas: number;
}

/** Private address space: right for most clusters until narrowed with `--control-plane-cidr`. */
export const DEFAULT_CONTROL_PLANE_CIDRS: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

export const DEFAULT_MANIFEST_OPTIONS: ManifestOptions = {
  image: `meshless:${VERSION}`,
  namespace: 'meshless-system',
  mode: 'enforce',
  failurePolicy: 'fail',
  requireEgress: false,
  exemptNamespaces: [],
  controlPlaneCidrs: DEFAULT_CONTROL_PLANE_CIDRS,
  metricsNamespace: 'monitoring',
  replicas: 2,
};

export const GUARD_NAME = 'meshless-guard';
export const WEBHOOK_NAME = 'guard.meshless.dev';
const PORT = 8443;
const TLS_DIR = '/etc/meshless-guard/tls';
/** The API server listens on 6443 (kubeadm and most distributions) or 443 (managed clusters); the in-cluster Service is 443. */
const API_SERVER_PORTS = [443, 6443];

type Obj = Record<string, unknown>;

const labels = (component: string): Record<string, string> => ({
  'app.kubernetes.io/name': GUARD_NAME,
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/part-of': 'meshless',
});

/** The objects, in the order `kubectl apply` should create them. */
export function guardManifests(o: ManifestOptions): Obj[] {
  const ns = o.namespace;
  const meta = (name: string, component = 'webhook', extra: Obj = {}): Obj => ({ name, namespace: ns, labels: labels(component), ...extra });
  const selector = { 'app.kubernetes.io/name': GUARD_NAME, 'app.kubernetes.io/component': 'webhook' };
  const args = [
    'serve',
    '--cert', `${TLS_DIR}/tls.crt`,
    '--key', `${TLS_DIR}/tls.key`,
    '--port', String(PORT),
    '--mode', o.mode,
    '--failure-policy', o.failurePolicy,
    ...(o.requireEgress ? ['--require-egress'] : []),
    ...o.exemptNamespaces.flatMap((n) => ['--exempt-namespace', n]),
  ];
  const excluded = [...new Set(['kube-system', ns, ...o.exemptNamespaces])];
  const probe = (path: string, period: number): Obj => ({ httpGet: { path, port: 'https', scheme: 'HTTPS' }, periodSeconds: period, timeoutSeconds: 2, failureThreshold: 3 });
  const rule = (apiGroups: string[], apiVersions: string[], resources: string[], operations: string[], scope: string): Obj => ({ apiGroups, apiVersions, operations, resources, scope });

  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: { 'kubernetes.io/metadata.name': ns, 'app.kubernetes.io/part-of': 'meshless', 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(GUARD_NAME), automountServiceAccountToken: true },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: GUARD_NAME, labels: labels('webhook') },
      // Exactly what the watch cache reads (never Secrets); a context kind left out only makes its decisions warn.
      rules: guardRbacRules(),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: GUARD_NAME, labels: labels('webhook') },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: GUARD_NAME },
      subjects: [{ kind: 'ServiceAccount', name: GUARD_NAME, namespace: ns }],
    },
    { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: meta(`${GUARD_NAME}-selfsigned`, 'certificates'), spec: { selfSigned: {} } },
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(`${GUARD_NAME}-ca`, 'certificates'),
      spec: {
        isCA: true,
        commonName: `${GUARD_NAME}-ca`,
        secretName: `${GUARD_NAME}-ca`,
        duration: '87600h',
        renewBefore: '720h',
        privateKey: { algorithm: 'ECDSA', size: 256 },
        issuerRef: { group: 'cert-manager.io', kind: 'Issuer', name: `${GUARD_NAME}-selfsigned` },
      },
    },
    { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: meta(`${GUARD_NAME}-ca`, 'certificates'), spec: { ca: { secretName: `${GUARD_NAME}-ca` } } },
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta(GUARD_NAME, 'certificates'),
      spec: {
        secretName: `${GUARD_NAME}-tls`,
        dnsNames: [`${GUARD_NAME}.${ns}.svc`, `${GUARD_NAME}.${ns}.svc.cluster.local`],
        duration: '2160h',
        renewBefore: '360h',
        usages: ['server auth', 'digital signature'],
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        issuerRef: { group: 'cert-manager.io', kind: 'Issuer', name: `${GUARD_NAME}-ca` },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(GUARD_NAME),
      spec: {
        replicas: o.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        // One replica keeps answering while the other is replaced.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: labels('webhook') },
          spec: {
            serviceAccountName: GUARD_NAME,
            automountServiceAccountToken: true,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor', labelSelector: { matchLabels: selector } },
            ],
            containers: [
              {
                name: 'guard',
                image: o.image,
                imagePullPolicy: 'IfNotPresent',
                args,
                ports: [{ name: 'https', containerPort: PORT, protocol: 'TCP' }],
                env: [{ name: 'NODE_ENV', value: 'production' }],
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
                startupProbe: { ...probe('/healthz', 2), failureThreshold: 30 },
                livenessProbe: probe('/healthz', 10),
                readinessProbe: probe('/readyz', 5),
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [
                  { name: 'tls', mountPath: TLS_DIR, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'tls', secret: { secretName: `${GUARD_NAME}-tls` } },
              { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
            ],
          },
        },
      },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(GUARD_NAME), spec: { minAvailable: 1, selector: { matchLabels: selector } } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(GUARD_NAME),
      spec: { type: 'ClusterIP', selector, ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(GUARD_NAME),
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          // The API server calls the webhook from the control plane (kubelet probes come from the node, which NetworkPolicy does not block).
          { from: o.controlPlaneCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port: PORT }] },
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': o.metricsNamespace } } }], ports: [{ protocol: 'TCP', port: PORT }] },
        ],
        egress: [{ to: o.controlPlaneCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: API_SERVER_PORTS.map((port) => ({ protocol: 'TCP', port })) }],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: GUARD_NAME, labels: labels('webhook'), annotations: { 'cert-manager.io/inject-ca-from': `${ns}/${GUARD_NAME}` } },
      webhooks: [
        {
          name: WEBHOOK_NAME,
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          timeoutSeconds: 5,
          failurePolicy: o.failurePolicy === 'fail' ? 'Fail' : 'Ignore',
          matchPolicy: 'Equivalent',
          clientConfig: { service: { namespace: ns, name: GUARD_NAME, path: '/validate', port: 443 } },
          // Never the guard's own namespace or kube-system: the guard, DNS and the CNI must start when the guard is down.
          namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: excluded }] },
          rules: [
            rule([''], ['v1'], ['pods'], ['CREATE', 'UPDATE'], 'Namespaced'),
            rule(['apps'], ['v1'], ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], ['CREATE', 'UPDATE'], 'Namespaced'),
            rule(['batch'], ['v1'], ['jobs', 'cronjobs'], ['CREATE', 'UPDATE'], 'Namespaced'),
            // A namespace's name cannot change: only its creation is reviewed.
            rule([''], ['v1'], ['namespaces'], ['CREATE'], 'Cluster'),
            rule(['networking.k8s.io'], ['v1'], ['ingresses'], ['CREATE', 'UPDATE'], 'Namespaced'),
            rule(['gateway.networking.k8s.io'], ['v1', 'v1beta1'], ['httproutes', 'grpcroutes'], ['CREATE', 'UPDATE'], 'Namespaced'),
          ],
        },
      ],
    },
  ];
}

/** The objects as one multi-document YAML stream, with a header saying what to adjust. */
export function manifestsYaml(objects: readonly Obj[], o: ManifestOptions): string {
  const header = [
    '# meshless guard: the validating admission webhook that enforces NetworkPolicy coverage,',
    '# service-named namespaces, and edge TLS and authentication at admission.',
    `# Generated by \`meshless guard manifests\` (mode ${o.mode}, failure policy ${o.failurePolicy}).`,
    '# Needs cert-manager. Apply with: meshless guard manifests | kubectl apply -f -',
    `# The guard's NetworkPolicy admits the API server from ${o.controlPlaneCidrs.join(', ')}:`,
    '# narrow it to your control-plane addresses with --control-plane-cidr.',
  ].join('\n');
  return `${header}\n${objects.map((x) => `---\n${renderDoc({ object: x })}`).join('')}`;
}
