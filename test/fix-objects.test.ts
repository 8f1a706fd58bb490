/**
 * Fixes as objects: every object a finding proposes (`fixObjects`) in the audit of
 * the demo, of the test fixtures and of every check's bad example is a valid object
 * of its kind (kubernetes-models for the built-in kinds and for cert-manager and
 * Gateway API; the apiVersion/kind/metadata/spec shape for the other CRDs). A
 * segregation fix's text shows exactly its objects as YAML; another check's fix
 * either changes the finding's own object (the text shows the change) or adds
 * objects the text names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { ClusterRole, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Certificate, ClusterIssuer, Issuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import { Gateway, HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import { ReferenceGrant } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1';
import { ALL_CHECKS } from '../src/checks/index.js';
import { runAudit } from '../src/checks/run.js';
import { DEFAULT_CONFIG, type Finding } from '../src/checks/types.js';
import { loadInput } from '../src/load/input.js';
import { inventoryFromText } from '../src/load/text.js';
import { analyze } from '../src/netpol/analysis.js';
import type { Inventory } from '../src/model/inventory.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** CRDs without a kubernetes-models package here: the shape every object has, and a spec. */
function crdShape(apiVersions: readonly string[]): (o: Obj) => void {
  return (o) => {
    assert.ok(apiVersions.includes(String(o['apiVersion'])), `apiVersion ${String(o['apiVersion'])} is one of ${apiVersions.join(', ')}`);
    const md = o['metadata'];
    assert.ok(isObj(md) && typeof md['name'] === 'string' && md['name'] !== '', 'metadata.name');
    assert.ok(isObj(o['spec']), 'a spec');
  };
}

const VALIDATORS: Record<string, (o: Obj) => void> = {
  NetworkPolicy: (o) => {
    new NetworkPolicy(o).validate();
  },
  Ingress: (o) => {
    new Ingress(o).validate();
  },
  ConfigMap: (o) => {
    new ConfigMap(o).validate();
  },
  Service: (o) => {
    new Service(o).validate();
    // A ClusterIP Service takes no node port (the API server rejects it; the schema does not say).
    const spec = o['spec'] as { type?: string; ports?: { nodePort?: number }[] };
    if (spec.type === 'ClusterIP') assert.ok((spec.ports ?? []).every((p) => p.nodePort === undefined), 'no nodePort on a ClusterIP Service');
  },
  Role: (o) => {
    new Role(o).validate();
  },
  ClusterRole: (o) => {
    new ClusterRole(o).validate();
  },
  RoleBinding: (o) => {
    new RoleBinding(o as never).validate();
  },
  ClusterIssuer: (o) => {
    new ClusterIssuer(o as never).validate();
  },
  Issuer: (o) => {
    new Issuer(o as never).validate();
  },
  Certificate: (o) => {
    new Certificate(o as never).validate();
  },
  Gateway: (o) => {
    new Gateway(o as never).validate();
  },
  HTTPRoute: (o) => {
    new HTTPRoute(o as never).validate();
  },
  ReferenceGrant: (o) => {
    new ReferenceGrant(o).validate();
  },
  SecurityPolicy: crdShape(['gateway.envoyproxy.io/v1alpha1']),
  Middleware: crdShape(['traefik.io/v1alpha1', 'traefik.containo.us/v1alpha1']),
  IngressRoute: crdShape(['traefik.io/v1alpha1', 'traefik.containo.us/v1alpha1']),
  FelixConfiguration: crdShape(['crd.projectcalico.org/v1', 'projectcalico.org/v3']),
};

function audit(inventory: Inventory): readonly Finding[] {
  return runAudit(inventory, analyze(inventory), { config: DEFAULT_CONFIG, checks: ALL_CHECKS }).findings;
}

const meta = (o: Obj): Obj => (isObj(o['metadata']) ? o['metadata'] : {});

function assertValidFixes(findings: readonly Finding[], where: string, seen?: Set<string>): number {
  let n = 0;
  for (const f of findings) {
    for (const o of f.fixObjects ?? []) {
      const kind = String(o['kind']);
      const validate = VALIDATORS[kind];
      assert.ok(validate, `${where}: ${f.check} proposes a ${kind}, which this test cannot validate yet`);
      assert.doesNotThrow(() => {
        validate(o);
      }, `${where}: ${f.check} ${JSON.stringify(o)}`);
      seen?.add(f.check);
      n++;
    }
    if (!f.fixObjects) continue;
    if (f.check.startsWith('seg-')) {
      // The text shows exactly these objects.
      const docs = parseAllDocuments(f.fix.slice(f.fix.indexOf('\n') + 1)).map((d) => d.toJS() as unknown);
      assert.deepEqual(docs, f.fixObjects, `${where}: ${f.check}: fix text and objects agree`);
      continue;
    }
    for (const o of f.fixObjects) {
      const m = meta(o);
      const own = o['kind'] === f.object.kind && m['name'] === f.object.name && (m['namespace'] ?? undefined) === f.object.namespace;
      // Either the finding's object changed as the text says, or a new object the text names.
      if (!own) assert.ok(f.fix.includes(String(o['kind'])) && f.fix.includes(String(m['name'])), `${where}: ${f.check}: the fix text names ${String(o['kind'])} ${String(m['name'])}`);
    }
  }
  return n;
}

/** The non-segregation checks whose fix is to add or change an object: each proposes objects for its bad example. */
const OBJECT_FIX_CHECKS = [
  'auth-ingress-nginx-no-auth-url',
  'auth-gateway-route-unauthenticated',
  'auth-traefik-no-forward-auth',
  'tls-host-without-tls',
  'tls-no-certificate-source',
  'tls-issuer-missing',
  'tls-acme-staging',
  'rbac-networkpolicy-write-outside-network-team',
  'cni-encryption-off',
  'auth-signin-missing',
  'auth-response-headers-no-authorization',
  'auth-traefik-no-authorization-header',
  'tls-ssl-redirect-disabled',
  'tls-gateway-http-without-redirect',
  'auth-gateway-bypass',
  'auth-snippet-annotation',
  'auth-direct-exposure',
  'tls-direct-exposure-plain',
];

test('every fix object in the audit of the demo is a valid object of its kind', async () => {
  const { inventory } = await loadInput({ kind: 'files', paths: ['examples/shop'] });
  const findings = audit(inventory);
  assert.ok(assertValidFixes(findings, 'examples/shop') > 0, 'the demo has segregation gaps with fix objects');
});

test('every fix object in the audit of each test fixture is a valid object of its kind', () => {
  const seen = new Set<string>();
  const dir = 'test/fixtures';
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length > 10, `read ${files.length} fixtures`);
  for (const f of files) {
    let inventory: Inventory;
    try {
      inventory = inventoryFromText(readFileSync(join(dir, f), 'utf8'), f);
    } catch {
      continue; // fixtures of loader errors
    }
    assertValidFixes(audit(inventory), f, seen);
  }
  assert.ok(seen.size > 3, `fix objects from ${[...seen].join(', ')}`);
});

test("every fix object in the audit of each check's bad example is a valid object of its kind", () => {
  let total = 0;
  for (const check of ALL_CHECKS) total += assertValidFixes(audit(inventoryFromText(check.examples.bad, `${check.id}.yaml`)), `${check.id} bad example`);
  assert.ok(total > 0);
  const withObjects = [
    'seg-namespace-no-default-deny',
    'seg-workload-not-isolated-ingress',
    'seg-workload-not-isolated-egress',
    ...OBJECT_FIX_CHECKS,
  ];
  for (const id of withObjects) {
    const check = ALL_CHECKS.find((c) => c.id === id)!;
    const mine = audit(inventoryFromText(check.examples.bad, `${id}.yaml`)).filter((f) => f.check === id);
    assert.ok(mine.length > 0 && mine.every((f) => (f.fixObjects?.length ?? 0) > 0), `${id} proposes objects`);
  }
});

test('a fix that changes the finding\'s object proposes that object with the change, and nothing the server sets', () => {
  const yaml = `apiVersion: v1
kind: Namespace
metadata:
  name: auth
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: oauth2-proxy
  namespace: auth
spec:
  selector:
    matchLabels: { app: oauth2-proxy }
  template:
    metadata:
      labels: { app: oauth2-proxy }
    spec:
      containers:
        - name: oauth2-proxy
          image: quay.io/oauth2-proxy/oauth2-proxy:v7.15.2
---
apiVersion: v1
kind: Service
metadata:
  name: oauth2-proxy
  namespace: auth
spec:
  selector: { app: oauth2-proxy }
  ports:
    - port: 4180
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: admin
  namespace: auth
  uid: 0d4f6a52-5b0e-4c63-9d77-0c8f1f0e2a11
  resourceVersion: "12345"
  annotations:
    nginx.ingress.kubernetes.io/auth-url: http://oauth-proxy.auth.svc.cluster.local:4180/oauth2/auth
spec:
  ingressClassName: nginx
  rules:
    - host: admin.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: { name: oauth2-proxy, port: { number: 4180 } }
status:
  loadBalancer: {}
`;
  const f = audit(inventoryFromText(yaml, 'x.yaml')).find((x) => x.check === 'auth-url-target-missing');
  assert.ok(f, 'the misspelt auth-url is found');
  assertValidFixes([f], 'auth-url-target-missing');
  const [o] = f.fixObjects ?? [];
  assert.deepEqual(o?.['metadata'], {
    name: 'admin',
    namespace: 'auth',
    annotations: { 'nginx.ingress.kubernetes.io/auth-url': 'http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth' },
  });
  assert.equal(o['status'], undefined);
  assert.deepEqual(o['spec'], inventoryFromText(yaml, 'x.yaml').objects.find((x) => x.object.kind === 'Ingress')?.object['spec']);
});
