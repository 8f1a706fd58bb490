/**
 * The NetworkPolicies that the audit's segregation findings and the guard's denials
 * propose, built with the generator's own builders (networkPolicyObject, rule,
 * podPeer, DNS_PORTS), so that `meshless audit`, `meshless guard` and `meshless
 * generate` propose the same objects. `<...>` values are placeholders to replace.
 */
import { stringify } from 'yaml';
import { DNS_PORTS, podPeer, type Labels, type Obj, type PortSpec } from './platform.js';
import { networkPolicyObject, rule } from './policies.js';

export type FixDirection = 'ingress' | 'egress';

/** kube-dns in kube-system: where every pod resolves names (the generator's default DNS). */
const DNS_PEER = podPeer('kube-system', { 'k8s-app': 'kube-dns' });
const CLIENT_PEER = podPeer('<client namespace>', { 'app.kubernetes.io/name': '<client>' });
const DESTINATION_PEER = podPeer('<destination namespace>', { 'app.kubernetes.io/name': '<destination>' });
/** When the pods declare no port: the usual HTTP port, to be replaced. */
const PLACEHOLDER_PORT: PortSpec = { protocol: 'TCP', port: 8080 };

/** The default-deny NetworkPolicy for a namespace; with egress, also the DNS allowance it needs. */
export function defaultDenyPolicies(namespace: string, dirs: readonly FixDirection[]): Obj[] {
  const out = [
    networkPolicyObject({
      namespace,
      name: `default-deny${dirs.length === 1 ? `-${dirs[0]!}` : ''}`,
      select: {},
      types: dirs.map((d) => (d === 'ingress' ? 'Ingress' : 'Egress')),
    }),
  ];
  // Egress default-deny also blocks DNS: let every pod resolve names.
  if (dirs.includes('egress')) out.push(networkPolicyObject({ namespace, name: 'allow-dns-egress', select: {}, egress: [rule('to', [DNS_PEER], DNS_PORTS)] }));
  return out;
}

export interface WorkloadFix {
  readonly namespace: string;
  /** The policy's name (by convention `<workload>-ingress`, `<workload>-egress`). */
  readonly name: string;
  /** The pod labels to select (already narrowed to the identifying ones). */
  readonly select: Labels;
  /** The ports the pods serve (ingress); empty: a placeholder. */
  readonly ports?: readonly PortSpec[];
}

/** Ingress for one workload: from its real clients (placeholders) on the ports it serves. */
export function workloadIngressPolicy(w: WorkloadFix): Obj {
  const ports = w.ports && w.ports.length > 0 ? w.ports : [PLACEHOLDER_PORT];
  return networkPolicyObject({ namespace: w.namespace, name: w.name, select: w.select, ingress: [rule('from', [CLIENT_PEER], ports)] });
}

/** Egress for one workload: DNS, and its real destinations (placeholders). */
export function workloadEgressPolicy(w: WorkloadFix): Obj {
  return networkPolicyObject({ namespace: w.namespace, name: w.name, select: w.select, egress: [rule('to', [DNS_PEER], DNS_PORTS), rule('to', [DESTINATION_PEER], [PLACEHOLDER_PORT])] });
}

/** Placeholders that stay plain YAML scalars, so the name put in their place needs no quoting either. */
const NAME_MARK = 'zzmeshlessnamezz';
const NAMESPACE_MARK = 'zzmeshlessnamespacezz';
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** YAML of object shapes already written (the same policy for many workloads differs only by name). */
const shapes = new Map<string, string>();
const MAX_SHAPES = 2000;

function objectYaml(o: Obj): string {
  const md = o['metadata'] as { name?: unknown; namespace?: unknown } | undefined;
  const name = md?.name;
  const namespace = md?.namespace;
  const write = (x: Obj): string => stringify(x, { lineWidth: 0, indentSeq: true, aliasDuplicateObjects: false });
  if (typeof name !== 'string' || typeof namespace !== 'string' || !DNS_NAME.test(name) || !DNS_NAME.test(namespace)) return write(o);
  const shape = { ...o, metadata: { ...md, name: NAME_MARK, namespace: NAMESPACE_MARK } };
  const key = JSON.stringify(shape);
  let text = shapes.get(key);
  if (text === undefined) {
    text = write(shape);
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shapes.set(key, text);
  }
  return text.replace(NAME_MARK, () => name).replace(NAMESPACE_MARK, () => namespace);
}

/** Objects as the YAML text a person pastes into `kubectl apply -f -`: documents separated by `---`. */
export function objectsYaml(objects: readonly Obj[]): string {
  return objects.map(objectYaml).join('---\n');
}
