import { defineCheck, type FindingDraft } from './types.js';
import { describe, DIRECT_WAYS_IN, entryDetail, entryPointsByRoute, joinList, unique } from '../exposure/index.js';
import { directWayIn } from './auth-direct-exposure.js';
import { clusterIpService } from './fix-objects.js';

const bad = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: grafana
  namespace: monitoring
spec:
  selector:
    matchLabels:
      app: grafana
  template:
    metadata:
      labels:
        app: grafana
    spec:
      containers:
        - name: grafana
          image: grafana/grafana:11.2.0
          ports:
            - containerPort: 3000
---
apiVersion: v1
kind: Service
metadata:
  name: grafana
  namespace: monitoring
spec:
  type: NodePort
  selector:
    app: grafana
  ports:
    - name: http
      port: 3000
`;

const good = bad.replace('  type: NodePort\n', '  type: ClusterIP\n');

export default defineCheck({
  id: 'tls-direct-exposure-plain',
  control: 'ingress-encryption',
  title: 'Plain TCP or HTTP from outside straight to an application',
  severity: 'high',
  policyReads: 'none',
  rationale:
    'A Service of type LoadBalancer or NodePort, a hostPort or a host-network pod carries connections from outside the cluster to the ' +
    'application as they come. When the port is not a TLS port (by appProtocol, name or number), passwords, session cookies and data cross ' +
    'the network in clear text; no edge terminates TLS in front of it.',
  fixSummary: 'Publish the application through the edge that terminates TLS (Ingress or HTTPRoute with a certificate), or serve TLS on the port and name it https.',
  examples: { bad, good },
  evidence: ['Service'],
  run(ctx) {
    const out: FindingDraft[] = [];
    // Behind an edge proxy (ingress controller on host ports) the edge's own checks apply.
    const byObject = entryPointsByRoute(ctx, (ep) => DIRECT_WAYS_IN.has(ep.via) && !ep.tls && entryDetail(ctx, ep)?.edgeProxy === undefined);
    for (const [, eps] of byObject) {
      const first = eps[0]!;
      const ports = unique(eps.map((e) => entryDetail(ctx, e)?.port ?? '')).filter(Boolean);
      const path = entryDetail(ctx, first)?.path;
      out.push({
        object: first.route,
        ...(path !== undefined ? { path } : {}),
        message: `${describe(first.route)} carries plain TCP/HTTP from outside through ${directWayIn(first.via)} (${joinList(ports)}) straight to ${joinList(unique(eps.flatMap((e) => e.endpoints))) || 'its pods'}: no TLS on the way`,
        fix:
          first.route.object.kind === 'Service'
            ? 'spec:\n  type: ClusterIP   # and route it through an Ingress or HTTPRoute with tls\n# or, when the application serves TLS itself, say so:\n  ports:\n    - name: https\n      appProtocol: https'
            : '# remove hostPort / hostNetwork and publish the port through a ClusterIP Service and an edge that terminates TLS',
        ...(first.route.object.kind === 'Service' ? { fixObjects: [clusterIpService(first.route)] } : {}),
      });
    }
    return out;
  },
});
