/**
 * Endpoints: the things NetworkPolicies select. A live cluster has Pods; a manifest
 * repository has only the pod templates of controllers, so both count, and a Pod or
 * ReplicaSet owned by a controller that is also in the input is skipped so that
 * every workload appears once.
 */
import type { Diagnostic } from './diagnostics.js';
import type { LoadedObject } from './kube.js';
import type { Labels } from './labels.js';
import { portNameProblem, type Protocol } from './networkpolicy.js';
import { parseIp } from './ip.js';
import type { Locator, SourceRef } from './source.js';
import { dig, isRecord } from './json.js';

export interface ContainerPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: Protocol;
}

export type EndpointKind = 'Pod' | 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'ReplicationController' | 'Job' | 'CronJob';

export interface Endpoint {
  /** `namespace/name` for a Pod, `namespace/kind/name` (kind lower-case) for a controller. */
  readonly id: string;
  readonly kind: EndpointKind;
  readonly name: string;
  readonly namespace: string;
  /** The pod's labels (for a controller: its pod template's). */
  readonly labels: Labels;
  /** Container ports, used to resolve named ports in policies. */
  readonly ports: readonly ContainerPort[];
  /** Pod IPs (status.podIPs / status.podIP); empty for templates and pending pods. */
  readonly ips: readonly string[];
  /** NetworkPolicy does not apply to host-network pods (their traffic is the node's). */
  readonly hostNetwork: boolean;
  readonly serviceAccount?: string;
  /**
   * The workload this endpoint belongs to: for a Pod with a known controller
   * (through ownerReferences, or the Deployment behind its ReplicaSet) that
   * controller's id, `namespace/kind/name`; otherwise the endpoint's own id.
   */
  readonly workload: string;
  readonly source: SourceRef;
}

/** The controller a Pod belongs to, as `namespace/kind/name`, from its owner references. */
function workloadOf(ns: string, name: string, kind: string, meta: { labels?: Labels; ownerReferences?: readonly { kind: string; name: string; controller?: boolean }[] }): string {
  const self = kind === 'Pod' ? `${ns}/${name}` : `${ns}/${kind.toLowerCase()}/${name}`;
  const refs = meta.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller === true) ?? refs[0];
  if (!ref || typeof ref.kind !== 'string' || typeof ref.name !== 'string') return self;
  const hash = meta.labels?.['pod-template-hash'];
  if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`)) {
    return `${ns}/deployment/${ref.name.slice(0, -(hash.length + 1))}`;
  }
  if (ref.kind === 'Job') {
    const m = /^(.*)-[0-9]{8,}$/.exec(ref.name);
    if (m) return `${ns}/cronjob/${m[1]!}`;
  }
  return `${ns}/${ref.kind.toLowerCase()}/${ref.name}`;
}

/** Where each pod-bearing kind keeps its pod template (a Pod is its own). */
export const POD_TEMPLATE_PATH: Readonly<Record<EndpointKind, readonly string[]>> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export const ENDPOINT_KINDS: ReadonlySet<string> = new Set<string>(Object.keys(POD_TEMPLATE_PATH));

/**
 * A custom resource from which an operator makes pods. The pods are endpoints like
 * a controller's: labels from the resource's pod metadata plus the labels the
 * operator always sets (those win), and the container ports the operator opens.
 * The next operator is one more entry in OPERATOR_WORKLOADS.
 */
export interface OperatorWorkload {
  readonly group: string;
  readonly kind: string;
  /** The workload the operator creates: its kind and its name for a resource called `name`. */
  readonly creates: { readonly kind: 'StatefulSet' | 'Deployment' | 'DaemonSet'; readonly name: (name: string) => string };
  /** Where the resource keeps the extra pod labels. */
  readonly podLabelsPath: readonly string[];
  /** The labels the operator sets on every pod, over the resource's own. */
  readonly fixedLabels: (name: string) => Labels;
  /** The container ports the operator opens (spec is the resource's spec). */
  readonly ports: (spec: unknown) => readonly ContainerPort[];
}

const PROMETHEUS_OPERATOR_GROUP = 'monitoring.coreos.com';
const MANAGED_BY_PROMETHEUS_OPERATOR = { 'app.kubernetes.io/managed-by': 'prometheus-operator' };
const portName = (spec: unknown): string => {
  const n = dig(spec, ['portName']);
  return typeof n === 'string' && n !== '' ? n : 'web';
};

/**
 * Operator-made workloads. The Prometheus operator's labels are those of its
 * StatefulSet pod templates (pkg/prometheus/server/statefulset.go,
 * pkg/alertmanager/statefulset.go, pkg/thanos/statefulset.go): shard 0 for Prometheus.
 */
export const OPERATOR_WORKLOADS: readonly OperatorWorkload[] = [
  {
    group: PROMETHEUS_OPERATOR_GROUP,
    kind: 'Prometheus',
    creates: { kind: 'StatefulSet', name: (n) => `prometheus-${n}` },
    podLabelsPath: ['spec', 'podMetadata', 'labels'],
    fixedLabels: (n) => ({
      'app.kubernetes.io/name': 'prometheus',
      ...MANAGED_BY_PROMETHEUS_OPERATOR,
      'app.kubernetes.io/instance': n,
      prometheus: n,
      'operator.prometheus.io/name': n,
      'operator.prometheus.io/shard': '0',
    }),
    ports: (spec) => [
      { name: portName(spec), port: 9090, protocol: 'TCP' },
      { name: 'reloader-web', port: 8080, protocol: 'TCP' },
    ],
  },
  {
    group: PROMETHEUS_OPERATOR_GROUP,
    kind: 'Alertmanager',
    creates: { kind: 'StatefulSet', name: (n) => `alertmanager-${n}` },
    podLabelsPath: ['spec', 'podMetadata', 'labels'],
    fixedLabels: (n) => ({ 'app.kubernetes.io/name': 'alertmanager', ...MANAGED_BY_PROMETHEUS_OPERATOR, 'app.kubernetes.io/instance': n, alertmanager: n }),
    ports: (spec) => [
      { name: portName(spec), port: 9093, protocol: 'TCP' },
      { name: 'mesh-tcp', port: 9094, protocol: 'TCP' },
      { name: 'mesh-udp', port: 9094, protocol: 'UDP' },
      { name: 'reloader-web', port: 8080, protocol: 'TCP' },
    ],
  },
  {
    group: PROMETHEUS_OPERATOR_GROUP,
    kind: 'ThanosRuler',
    creates: { kind: 'StatefulSet', name: (n) => `thanos-ruler-${n}` },
    podLabelsPath: ['spec', 'podMetadata', 'labels'],
    fixedLabels: (n) => ({ 'app.kubernetes.io/name': 'thanos-ruler', ...MANAGED_BY_PROMETHEUS_OPERATOR, 'app.kubernetes.io/instance': n, 'thanos-ruler': n }),
    ports: (spec) => [
      { name: 'grpc', port: 10901, protocol: 'TCP' },
      { name: portName(spec), port: 10902, protocol: 'TCP' },
      { name: 'reloader-web', port: 8080, protocol: 'TCP' },
    ],
  },
];

/** The operator table entry for an object, when it is a resource an operator makes pods from. */
export function operatorWorkloadOf(o: LoadedObject): OperatorWorkload | undefined {
  const v = o.object.apiVersion;
  const group = v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
  return OPERATOR_WORKLOADS.find((w) => w.kind === o.object.kind && w.group === group);
}

/** Pods an operator makes from a custom resource, as one endpoint (the workload it creates). */
function operatorEndpoint(o: LoadedObject, op: OperatorWorkload): Endpoint {
  const ns = o.object.metadata.namespace ?? 'default';
  const name = op.creates.name(o.object.metadata.name);
  const extra = dig(o.object, op.podLabelsPath);
  const labels: Record<string, string> = {};
  if (isRecord(extra)) for (const [k, v] of Object.entries(extra)) if (typeof v === 'string') labels[k] = v;
  Object.assign(labels, op.fixedLabels(o.object.metadata.name));
  const spec = dig(o.object, ['spec']);
  const sa = dig(spec, ['serviceAccountName']);
  const kind = op.creates.kind;
  const id = `${ns}/${kind.toLowerCase()}/${name}`;
  return {
    id,
    workload: id,
    kind,
    name,
    namespace: ns,
    labels,
    ports: op.ports(spec),
    ips: [],
    hostNetwork: dig(spec, ['hostNetwork']) === true,
    ...(typeof sa === 'string' ? { serviceAccount: sa } : {}),
    source: o.source,
  };
}


interface PortProblem {
  path: string;
  message: string;
}

function containerPorts(podSpec: Record<string, unknown>, basePath: string, problems: PortProblem[]): ContainerPort[] {
  const out: ContainerPort[] = [];
  const lists: [string, unknown][] = [['containers', podSpec['containers']]];
  // Sidecar containers (init containers that keep running) serve ports too.
  const inits = podSpec['initContainers'];
  if (Array.isArray(inits)) lists.push(['initContainers', inits]);
  for (const [field, list] of lists) {
    if (!Array.isArray(list)) continue;
    list.forEach((c: unknown, ci) => {
      if (!isRecord(c)) return;
      if (field === 'initContainers' && c['restartPolicy'] !== 'Always') return;
      const ports = c['ports'];
      if (!Array.isArray(ports)) return;
      ports.forEach((p: unknown, pi) => {
        if (!isRecord(p)) return;
        // Built only for a problem: most ports have none, and there are tens of thousands of them.
        const path = (): string => `${basePath}.${field}[${ci}].ports[${pi}]`;
        const num = p['containerPort'];
        if (typeof num !== 'number' || !Number.isInteger(num) || num < 1 || num > 65535) {
          problems.push({ path: `${path()}.containerPort`, message: `containerPort ${JSON.stringify(num)} must be a number between 1 and 65535` });
          return;
        }
        const proto = p['protocol'] ?? 'TCP';
        if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') {
          problems.push({ path: `${path()}.protocol`, message: `unsupported protocol ${JSON.stringify(proto)}; use TCP, UDP or SCTP` });
          return;
        }
        const name = p['name'];
        if (name !== undefined && name !== null) {
          const np = typeof name === 'string' ? portNameProblem(name) : 'must be a string';
          if (np) {
            problems.push({ path: `${path()}.name`, message: `port name ${JSON.stringify(name)} is not valid: ${np}` });
            return;
          }
          out.push({ name: name as string, port: num, protocol: proto });
        } else {
          out.push({ port: num, protocol: proto });
        }
      });
    });
  }
  return out;
}

export interface ExtractResult {
  readonly endpoints: Endpoint[];
  readonly diagnostics: Diagnostic[];
  readonly skipped: Record<string, number>;
  /** Objects the API server would reject: left out. */
  readonly invalid: Set<LoadedObject>;
  /** With a memo: the facts each endpoint was made from, in order (undefined for one made otherwise). */
  readonly facts?: readonly (EndpointFacts | undefined)[];
}

/** A problem found in an object on its own, placed at its source when it is reported. */
interface ObjectNote {
  readonly severity: 'error' | 'warning';
  readonly code: string;
  readonly message: string;
  readonly path: string;
  readonly hint?: string;
  /** Whether the report gives the line of `path`. */
  readonly located: boolean;
}

/** What one Pod or controller gives on its own: its endpoint (undefined when the API server would reject it), and its problems. */
export interface EndpointFacts {
  readonly endpoint?: Omit<Endpoint, 'source'>;
  readonly notes: readonly ObjectNote[];
}

/**
 * EndpointFacts by object: a second version of the input shares the objects whose text did
 * not change, and takes their facts from the first (`diff`). Only what depends on the object
 * alone is kept; whether a controller in the input owns it is decided each time.
 */
export type EndpointMemo = Map<object, EndpointFacts>;

function endpointFacts(object: LoadedObject['object'], kind: EndpointKind, ns: string): EndpointFacts {
  const notes: ObjectNote[] = [];
  let template: unknown;
  let basePath: string;
  if (kind === 'Pod') {
    template = object;
    basePath = 'spec';
  } else {
    const path = POD_TEMPLATE_PATH[kind];
    template = dig(object, path);
    basePath = `${path.join('.')}.spec`;
  }
  const spec = dig(template, ['spec']);
  if (!isRecord(spec)) {
    notes.push({ severity: 'error', code: 'invalid-object', message: `${kind} ${ns}/${object.metadata.name} has no pod spec at ${basePath}; it is left out`, path: basePath, located: true });
    return { notes };
  }
  const labelsRaw = kind === 'Pod' ? object.metadata.labels : dig(template, ['metadata', 'labels']);
  const labels: Record<string, string> = {};
  if (isRecord(labelsRaw)) {
    for (const [k, v] of Object.entries(labelsRaw)) if (typeof v === 'string') labels[k] = v;
  }
  const problems: PortProblem[] = [];
  const ports = containerPorts(spec, basePath, problems);
  if (problems.length > 0) {
    for (const p of problems) notes.push({ severity: 'error', code: 'invalid-object', message: `${kind} ${ns}/${object.metadata.name}: ${p.message}; the API server would reject it, so it is left out`, path: p.path, located: true });
    return { notes };
  }
  const ips: string[] = [];
  if (kind === 'Pod') {
    const status = dig(object, ['status']);
    const seen = new Set<string>();
    const add = (ip: unknown, path: () => string): void => {
      if (typeof ip !== 'string' || ip === '' || seen.has(ip)) return;
      if (!parseIp(ip)) {
        notes.push({ severity: 'warning', code: 'invalid-ip', message: `Pod ${ns}/${object.metadata.name}: ${path()} "${ip}" is not an IP address; it is ignored`, path: path(), located: false });
        return;
      }
      seen.add(ip);
      ips.push(ip);
    };
    if (isRecord(status)) {
      add(status['podIP'], () => 'status.podIP');
      const list = status['podIPs'];
      if (Array.isArray(list)) list.forEach((e: unknown, i) => { add(dig(e, ['ip']), () => `status.podIPs[${i}].ip`); });
    }
  }
  const hostNetwork = spec['hostNetwork'] === true;
  if (hostNetwork) {
    notes.push({
      severity: 'warning',
      code: 'host-network',
      message: `${kind} ${ns}/${object.metadata.name} uses hostNetwork; NetworkPolicies do not reliably apply to it (its traffic is the node's), so its results are shown as if it were an ordinary pod`,
      path: `${basePath}.hostNetwork`,
      hint: 'avoid hostNetwork for application workloads; protect the node with host firewall rules',
      located: false,
    });
  }
  const sa = spec['serviceAccountName'];
  return {
    endpoint: {
      id: kind === 'Pod' ? `${ns}/${object.metadata.name}` : `${ns}/${kind.toLowerCase()}/${object.metadata.name}`,
      workload: workloadOf(ns, object.metadata.name, kind, object.metadata),
      kind,
      name: object.metadata.name,
      namespace: ns,
      labels,
      ports,
      ips,
      hostNetwork,
      ...(typeof sa === 'string' ? { serviceAccount: sa } : {}),
    },
    notes,
  };
}

/**
 * An endpoint's facts placed at a source. Written out field by field: a spread of the
 * facts cost 1.7 µs per endpoint (170 ms on 100,000 pods), this one object shape a tenth.
 */
function placed(e: Omit<Endpoint, 'source'>, source: SourceRef): Endpoint {
  // The fields in the facts' order, as the spread gave them (JSON output follows it).
  return e.serviceAccount !== undefined
    ? { id: e.id, workload: e.workload, kind: e.kind, name: e.name, namespace: e.namespace, labels: e.labels, ports: e.ports, ips: e.ips, hostNetwork: e.hostNetwork, serviceAccount: e.serviceAccount, source }
    : { id: e.id, workload: e.workload, kind: e.kind, name: e.name, namespace: e.namespace, labels: e.labels, ports: e.ports, ips: e.ips, hostNetwork: e.hostNetwork, source };
}

/** Extracts endpoints from Pods and controllers, skipping those owned by a controller in the input. */
export function extractEndpoints(objects: readonly LoadedObject[], locate: Locator, memo?: EndpointMemo): ExtractResult {
  const diagnostics: Diagnostic[] = [];
  const skipped: Record<string, number> = {};
  const invalid = new Set<LoadedObject>();
  const skip = (reason: string): void => {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  };
  // Built the first time an owner or an operator's workload is looked up: an input of bare Pods never asks.
  let present: Set<string> | undefined;
  const has = (ns: string, kind: string, name: string): boolean => {
    if (!present) {
      present = new Set();
      for (const o of objects) if (ENDPOINT_KINDS.has(o.object.kind)) present.add(`${o.object.metadata.namespace ?? ''}/${o.object.kind}/${o.object.metadata.name}`);
    }
    return present.has(`${ns}/${kind}/${name}`);
  };

  /** Is this object run by a controller that is itself in the input? */
  function ownedInInput(o: LoadedObject): string | undefined {
    const ns = o.object.metadata.namespace ?? '';
    const labels = o.object.metadata.labels ?? {};
    for (const ref of o.object.metadata.ownerReferences ?? []) {
      if (!isRecord(ref) || typeof ref.kind !== 'string' || typeof ref.name !== 'string') continue;
      if (has(ns, ref.kind, ref.name)) return `${ref.kind} ${ref.name}`;
      // A Pod of a Deployment whose ReplicaSet is not in the input: the ReplicaSet is named
      // <deployment>-<pod-template-hash>.
      const hash = labels['pod-template-hash'];
      if (ref.kind === 'ReplicaSet' && hash && ref.name.endsWith(`-${hash}`)) {
        const dep = ref.name.slice(0, -(hash.length + 1));
        if (has(ns, 'Deployment', dep)) return `Deployment ${dep}`;
      }
      // A Pod of a CronJob's Job, the Job not in the input: Jobs are named <cronjob>-<schedule time>.
      if (ref.kind === 'Job') {
        const m = /^(.*)-[0-9]+$/.exec(ref.name);
        if (m && has(ns, 'CronJob', m[1]!)) return `CronJob ${m[1]!}`;
      }
    }
    return undefined;
  }

  const endpoints: Endpoint[] = [];
  const made: (EndpointFacts | undefined)[] | undefined = memo ? [] : undefined;
  for (const o of objects) {
    const kind = o.object.kind;
    if (!ENDPOINT_KINDS.has(kind)) {
      const op = operatorWorkloadOf(o);
      // The workload the operator made, when it is in the input too (a live cluster), stands for itself.
      if (op && !has(o.object.metadata.namespace ?? '', op.creates.kind, op.creates.name(o.object.metadata.name))) {
        endpoints.push(operatorEndpoint(o, op));
        made?.push(undefined);
      }
      continue;
    }
    const ns = o.object.metadata.namespace ?? 'default';
    const owner = ownedInInput(o);
    if (owner) {
      skip(`owned by a controller in the input`);
      continue;
    }
    if (kind === 'Pod') {
      const phase = dig(o.object, ['status', 'phase']);
      if (phase === 'Succeeded' || phase === 'Failed') {
        skip('finished pod (Succeeded or Failed)');
        continue;
      }
    }
    let facts = memo?.get(o.object);
    if (!facts) {
      facts = endpointFacts(o.object, kind as EndpointKind, ns);
      memo?.set(o.object, facts);
    }
    for (const n of facts.notes) {
      const line = n.located ? locate(o.source, n.path) : undefined;
      diagnostics.push({ severity: n.severity, code: n.code, message: n.message, source: o.source, path: n.path, ...(n.hint !== undefined ? { hint: n.hint } : {}), ...(line !== undefined ? { line } : {}) });
    }
    if (!facts.endpoint) {
      invalid.add(o);
      skip('invalid object');
      continue;
    }
    endpoints.push(placed(facts.endpoint, o.source));
    made?.push(facts);
  }
  return { endpoints, diagnostics, skipped, invalid, ...(made ? { facts: made } : {}) };
}
