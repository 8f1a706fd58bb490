import { defineCheck, type FindingDraft } from './types.js';
import { describe, DIRECT_WAYS_IN, entryDetail, entryPointsByRoute, HOST_PORT, joinList, SERVICE_LOADBALANCER, unique } from '../exposure/index.js';
import { clusterIpService } from './fix-objects.js';

const bad = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: redis
  namespace: shop
spec:
  selector:
    matchLabels:
      app: redis
  template:
    metadata:
      labels:
        app: redis
    spec:
      containers:
        - name: redis
          image: redis:7
          ports:
            - containerPort: 6379
---
apiVersion: v1
kind: Service
metadata:
  name: redis
  namespace: shop
spec:
  type: LoadBalancer
  selector:
    app: redis
  ports:
    - name: redis
      port: 6379
`;

const good = bad.replace('  type: LoadBalancer\n', '  type: ClusterIP\n');

/** How a direct way in is named in messages. */
export function directWayIn(via: string): string {
  return via === SERVICE_LOADBALANCER ? 'a cloud load balancer' : via === HOST_PORT ? 'a port on the node' : 'a node port on every node';
}

export default defineCheck({
  id: 'auth-direct-exposure',
  control: 'authentication',
  title: 'Application reachable from outside with no edge in front',
  severity: 'high',
  policyReads: 'none',
  rationale:
    'A Service of type LoadBalancer or NodePort, a container hostPort or a pod on the host network takes connections from outside the cluster ' +
    'straight to the application. No ingress controller or gateway sits in between, so nothing can ask for a sign-in first: whoever reaches the ' +
    'address talks to the application (a database, an admin port, a metrics endpoint) with only what the application itself checks.',
  fixSummary: 'Make the Service ClusterIP and publish the application through the authenticated edge (or mark it meshless.dev/public with a reason).',
  examples: { bad, good },
  evidence: ['Service'],
  run(ctx) {
    const out: FindingDraft[] = [];
    // Behind an edge proxy (ingress controller on host ports) the edge's own checks apply.
    const byObject = entryPointsByRoute(ctx, (ep) => DIRECT_WAYS_IN.has(ep.via) && !ep.authenticated && ep.publicReason === undefined && entryDetail(ctx, ep)?.edgeProxy === undefined);
    for (const [, eps] of byObject) {
      const first = eps[0]!;
      const ports = unique(eps.map((e) => entryDetail(ctx, e)?.port ?? '')).filter(Boolean);
      const apps = unique(eps.flatMap((e) => e.endpoints));
      const isService = first.route.object.kind === 'Service';
      const path = isService ? 'spec.type' : entryDetail(ctx, first)?.path;
      out.push({
        object: first.route,
        ...(path !== undefined ? { path } : {}),
        message: `${describe(first.route)} takes connections from outside through ${directWayIn(first.via)} (${joinList(ports)}) straight to ${apps.length > 0 ? joinList(apps) : 'its pods'}, with nothing authenticating them`,
        fix: isService
          ? 'spec:\n  type: ClusterIP   # publish it through the edge (Ingress or HTTPRoute) that authenticates, or keep it private\n# or, if anyone may use it on purpose:\nmetadata:\n  annotations:\n    meshless.dev/public: "true"\n    meshless.dev/public-reason: "<why anyone on the internet may connect>"'
          : '# remove hostPort / hostNetwork from the pod template and publish the port through a ClusterIP Service and the authenticated edge\n# or, if anyone may connect on purpose:\nmetadata:\n  annotations:\n    meshless.dev/public: "true"\n    meshless.dev/public-reason: "<why anyone may connect>"',
        ...(isService ? { fixObjects: [clusterIpService(first.route)] } : {}),
      });
    }
    return out;
  },
});
