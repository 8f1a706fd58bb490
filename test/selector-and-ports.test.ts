/**
 * One row per rule of the NetworkPolicy semantics (test/fixtures/netpol-cases/README.md),
 * each run through BOTH the reference evaluator and the engine.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { buildInventory } from '../src/model/inventory.js';
import { analyze } from '../src/netpol/analysis.js';
import { referenceAllowed, type Peer, type Protocol } from './reference/evaluator.js';

// ---------------------------------------------------------------------------
// Builders for plain Kubernetes objects.

type Obj = Record<string, unknown>;
type PortSpec = readonly [name: string | undefined, port: number, protocol?: Protocol];

const ns = (name: string, labels: Record<string, string> = {}): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

function pod(id: string, labels: Record<string, string>, ips: readonly string[], ports: readonly PortSpec[] = [[undefined, 80]]): Obj {
  const [namespace, name] = id.split('/') as [string, string];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'registry.example/app:1',
          ports: ports.map(([pname, port, protocol]) => ({ containerPort: port, ...(protocol ? { protocol } : {}), ...(pname !== undefined ? { name: pname } : {}) })),
        },
      ],
    },
    status: { phase: 'Running', podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) },
  };
}

function np(id: string, spec: Obj): Obj {
  const [namespace, name] = id.includes('/') ? (id.split('/') as [string, string]) : [undefined, id];
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, ...(namespace ? { namespace } : {}) }, spec };
}

/** Namespaces x (team=a) and y (team=b), pods x/a, x/b, y/a, y/b. */
const BASE: readonly Obj[] = [
  ns('x', { team: 'a' }),
  ns('y', { team: 'b' }),
  pod('x/a', { app: 'web' }, ['10.0.1.1']),
  pod('x/b', { app: 'db', env: 'prod' }, ['10.0.1.2']),
  pod('y/a', { app: 'web' }, ['10.0.2.1']),
  pod('y/b', { app: 'db', env: 'dev' }, ['10.0.2.2']),
];

const DENY_INGRESS_X = np('x/deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
const onlyIngress = (from: unknown[] | undefined, ports?: unknown[]): Obj =>
  np('x/only', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ...(from ? { from } : {}), ...(ports ? { ports } : {}) }] });
const onlyEgress = (to: unknown[] | undefined, ports?: unknown[]): Obj =>
  np('x/only-out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ...(to ? { to } : {}), ...(ports ? { ports } : {}) }] });

interface Row {
  readonly description: string;
  readonly objects: readonly Obj[];
  readonly from: Peer;
  readonly to: Peer;
  readonly port: number;
  readonly protocol: Protocol;
  readonly expected: boolean;
}

const P = (id: string): Peer => ({ pod: id });
const IP = (ip: string): Peer => ({ ip });

function row(description: string, objects: readonly Obj[], from: Peer, to: Peer, port: number, protocol: Protocol, expected: boolean): Row {
  return { description, objects, from, to, port, protocol, expected };
}

const rows: Row[] = [
  // --- isolation and policyTypes
  row('no policy: everything is allowed', BASE, P('x/a'), P('y/b'), 80, 'TCP', true),
  row('no policy: external to pod is allowed', BASE, IP('8.8.8.8'), P('x/a'), 80, 'TCP', true),
  row('default deny ingress: denied into the namespace', [...BASE, DENY_INGRESS_X], P('y/a'), P('x/a'), 80, 'TCP', false),
  row('default deny ingress: egress from the namespace unaffected', [...BASE, DENY_INGRESS_X], P('x/a'), P('y/a'), 80, 'TCP', true),
  row('self traffic is judged like any pair: default deny ingress denies a pod to itself', [...BASE, DENY_INGRESS_X], P('x/a'), P('x/a'), 80, 'TCP', false),
  row('ingress: [] with policyTypes [Ingress] denies all', [...BASE, np('x/p', { podSelector: {}, policyTypes: ['Ingress'], ingress: [] })], P('x/b'), P('x/a'), 80, 'TCP', false),
  row('ingress: [{}] allows all pods', [...BASE, np('x/p', { podSelector: {}, ingress: [{}] })], P('y/b'), P('x/a'), 443, 'UDP', true),
  row('ingress: [{}] allows external IPs', [...BASE, np('x/p', { podSelector: {}, ingress: [{}] })], IP('52.1.2.3'), P('x/a'), 80, 'TCP', true),
  row('egress: [] without policyTypes is NOT an egress policy', [...BASE, np('x/p', { podSelector: {}, egress: [] })], P('x/a'), P('y/a'), 80, 'TCP', true),
  row('egress: [] without policyTypes is NOT an egress policy (to the outside)', [...BASE, np('x/p', { podSelector: {}, egress: [] })], P('x/a'), IP('8.8.8.8'), 80, 'TCP', true),
  row('egress: [] without policyTypes is still an ingress policy', [...BASE, np('x/p', { podSelector: {}, egress: [] })], P('y/a'), P('x/a'), 80, 'TCP', false),
  row('egress rules without policyTypes make it an egress policy', [...BASE, np('x/p', { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] })], P('x/a'), P('y/a'), 80, 'TCP', false),
  row('egress rules without policyTypes: what the rule allows is allowed', [...BASE, np('x/p', { podSelector: {}, ingress: [{}], egress: [{ to: [{ podSelector: {} }] }] })], P('x/a'), P('x/b'), 80, 'TCP', true),
  row('policyTypes: [] defaults like a missing list (Egress from the rules)', [...BASE, np('x/p', { podSelector: {}, policyTypes: [], egress: [{ to: [{ podSelector: {} }] }] })], P('x/a'), IP('8.8.8.8'), 80, 'TCP', false),
  row('policyTypes: [] defaults like a missing list (Ingress always)', [...BASE, np('x/p', { podSelector: {}, policyTypes: [], egress: [{}] })], P('y/a'), P('x/a'), 80, 'TCP', false),
  row('policyTypes [Egress] with no egress rules denies egress', [...BASE, np('x/p', { podSelector: {}, policyTypes: ['Egress'] })], P('x/a'), P('y/a'), 80, 'TCP', false),
  row('policyTypes [Egress]: an ingress section is ignored', [...BASE, np('x/p', { podSelector: {}, policyTypes: ['Egress'], ingress: [], egress: [{}] })], P('y/a'), P('x/a'), 80, 'TCP', true),
  row('policyTypes [Ingress]: an egress section is ignored', [...BASE, np('x/p', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}], egress: [] })], P('x/a'), P('y/a'), 80, 'TCP', true),
  row('egress isolation at the source wins over an open destination', [...BASE, np('x/p', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'] })], P('x/a'), P('y/a'), 80, 'TCP', false),
  row('egress isolation selects only the matching pods', [...BASE, np('x/p', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'] })], P('x/b'), P('y/a'), 80, 'TCP', true),
  row('ingress at the destination must allow as well as egress at the source', [...BASE, np('x/p', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] }), np('y/q', { podSelector: {}, policyTypes: ['Ingress'] })], P('x/a'), P('y/a'), 80, 'TCP', false),
  row('policies are OR-ed: a second policy allowing the port wins', [...BASE, onlyIngress([{ podSelector: {} }], [{ port: 81 }]), np('x/second', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] })], P('y/a'), P('x/a'), 80, 'TCP', true),
  row('a policy in another namespace never selects pods here', [...BASE, np('y/deny', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress', 'Egress'] })], P('x/b'), P('x/a'), 80, 'TCP', true),
  row('a policy in another namespace never isolates egress here', [...BASE, np('y/deny', { podSelector: {}, policyTypes: ['Egress'] })], P('x/a'), P('x/b'), 80, 'TCP', true),
  row('a later policy of the same name replaces the earlier one', [...BASE, DENY_INGRESS_X, np('x/deny-ingress', { podSelector: {}, ingress: [{}] })], P('y/a'), P('x/a'), 80, 'TCP', true),
  row('objects without a namespace are in the default namespace', [ns('default'), pod('default/a', { app: 'web' }, ['10.0.9.1']), pod('default/b', { app: 'db' }, ['10.0.9.2']), np('deny', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] })], P('default/b'), P('default/a'), 80, 'TCP', false),

  // --- peers
  row('missing from: every peer, external included', [...BASE, onlyIngress(undefined, [{ port: 80 }])], IP('8.8.8.8'), P('x/a'), 80, 'TCP', true),
  row('empty from: every peer, external included', [...BASE, onlyIngress([], [{ port: 80 }])], IP('203.0.113.9'), P('x/a'), 80, 'TCP', true),
  row('an IPv4-only pod cannot be reached from an IPv6 address: no family in common', [...BASE, onlyIngress([], [{ port: 80 }])], IP('2001:db8::1'), P('x/a'), 80, 'TCP', false),
  row('a dual-stack pod can be reached from an IPv6 address', [...BASE, pod('x/c', { app: 'v6' }, ['10.0.1.3', 'fd00::1:3']), onlyIngress([], [{ port: 80 }])], IP('2001:db8::1'), P('x/c'), 80, 'TCP', true),
  row('empty to: every peer, external included', [...BASE, onlyEgress([])], P('x/a'), IP('8.8.8.8'), 80, 'TCP', true),
  row('podSelector alone: pods of the policy namespace', [...BASE, onlyIngress([{ podSelector: { matchLabels: { app: 'web' } } }])], P('x/a'), P('x/b'), 80, 'TCP', true),
  row('podSelector alone: not pods of another namespace', [...BASE, onlyIngress([{ podSelector: { matchLabels: { app: 'web' } } }])], P('y/a'), P('x/b'), 80, 'TCP', false),
  row('podSelector {} alone: not pods of another namespace', [...BASE, onlyIngress([{ podSelector: {} }])], P('y/a'), P('x/b'), 80, 'TCP', false),
  row('namespaceSelector alone: all pods of matching namespaces', [...BASE, onlyIngress([{ namespaceSelector: { matchLabels: { team: 'b' } } }])], P('y/b'), P('x/a'), 80, 'TCP', true),
  row('namespaceSelector alone: not pods of other namespaces (own one included)', [...BASE, onlyIngress([{ namespaceSelector: { matchLabels: { team: 'b' } } }])], P('x/b'), P('x/a'), 80, 'TCP', false),
  row('namespaceSelector {}: pods of every namespace', [...BASE, onlyIngress([{ namespaceSelector: {} }])], P('y/b'), P('x/a'), 80, 'TCP', true),
  row('namespaceSelector {}: not external IPs', [...BASE, onlyIngress([{ namespaceSelector: {} }])], IP('8.8.8.8'), P('x/a'), 80, 'TCP', false),
  row('egress to a namespaceSelector: not external IPs', [...BASE, onlyEgress([{ namespaceSelector: {} }])], P('x/a'), IP('8.8.8.8'), 80, 'TCP', false),
  row('podSelector + namespaceSelector in one peer: AND (both hold)', [...BASE, onlyIngress([{ namespaceSelector: { matchLabels: { team: 'b' } }, podSelector: { matchLabels: { app: 'web' } } }])], P('y/a'), P('x/b'), 80, 'TCP', true),
  row('podSelector + namespaceSelector in one peer: AND (pod fails)', [...BASE, onlyIngress([{ namespaceSelector: { matchLabels: { team: 'b' } }, podSelector: { matchLabels: { app: 'web' } } }])], P('y/b'), P('x/b'), 80, 'TCP', false),
  row('podSelector + namespaceSelector in one peer: AND (namespace fails)', [...BASE, onlyIngress([{ namespaceSelector: { matchLabels: { team: 'b' } }, podSelector: { matchLabels: { app: 'web' } } }])], P('x/a'), P('x/b'), 80, 'TCP', false),
  row('podSelector and namespaceSelector as two peers: OR (namespace one)', [...BASE, onlyIngress([{ namespaceSelector: { matchLabels: { team: 'b' } } }, { podSelector: { matchLabels: { app: 'web' } } }])], P('y/b'), P('x/b'), 80, 'TCP', true),
  row('podSelector and namespaceSelector as two peers: OR (pod one)', [...BASE, onlyIngress([{ namespaceSelector: { matchLabels: { team: 'b' } } }, { podSelector: { matchLabels: { app: 'web' } } }])], P('x/a'), P('x/b'), 80, 'TCP', true),
  row('podSelector and namespaceSelector as two peers: OR (neither)', [...BASE, onlyIngress([{ namespaceSelector: { matchLabels: { team: 'b' } } }, { podSelector: { matchLabels: { app: 'web' } } }])], P('x/b'), P('x/a'), 80, 'TCP', false),
  row('ipBlock matches a pod by its podIP', [...BASE, onlyIngress([{ ipBlock: { cidr: '10.0.2.0/24' } }])], P('y/b'), P('x/a'), 80, 'TCP', true),
  row('ipBlock: a pod outside the cidr', [...BASE, onlyIngress([{ ipBlock: { cidr: '10.0.2.0/24' } }])], P('x/b'), P('x/a'), 80, 'TCP', false),
  row('ipBlock except: a pod inside the except is not matched', [...BASE, onlyIngress([{ ipBlock: { cidr: '10.0.2.0/24', except: ['10.0.2.2/32'] } }])], P('y/b'), P('x/a'), 80, 'TCP', false),
  row('ipBlock except: a pod outside the except still is', [...BASE, onlyIngress([{ ipBlock: { cidr: '10.0.2.0/24', except: ['10.0.2.2/32'] } }])], P('y/a'), P('x/a'), 80, 'TCP', true),
  row('ipBlock except: external inside the except', [...BASE, onlyIngress([{ ipBlock: { cidr: '8.0.0.0/8', except: ['8.8.8.0/24'] } }])], IP('8.8.8.8'), P('x/a'), 80, 'TCP', false),
  row('ipBlock except: external outside the except', [...BASE, onlyIngress([{ ipBlock: { cidr: '8.0.0.0/8', except: ['8.8.8.0/24'] } }])], IP('8.8.4.4'), P('x/a'), 80, 'TCP', true),
  row('except only narrows its own ipBlock (another peer still matches)', [...BASE, onlyIngress([{ ipBlock: { cidr: '8.0.0.0/8', except: ['8.8.8.0/24'] } }, { ipBlock: { cidr: '8.8.8.8/32' } }])], IP('8.8.8.8'), P('x/a'), 80, 'TCP', true),
  row('egress ipBlock /32 to a pod', [...BASE, onlyEgress([{ ipBlock: { cidr: '10.0.2.2/32' } }])], P('x/a'), P('y/b'), 80, 'TCP', true),
  row('egress ipBlock /32: another pod is denied', [...BASE, onlyEgress([{ ipBlock: { cidr: '10.0.2.2/32' } }])], P('x/a'), P('y/a'), 80, 'TCP', false),
  row('egress ipBlock 0.0.0.0/0 reaches the outside', [...BASE, onlyEgress([{ ipBlock: { cidr: '0.0.0.0/0' } }])], P('x/a'), IP('52.1.2.3'), 443, 'TCP', true),
  row('IPv4 ipBlock never matches an IPv6 address', [...BASE, onlyEgress([{ ipBlock: { cidr: '0.0.0.0/0' } }])], P('x/a'), IP('2001:db8::1'), 443, 'TCP', false),
  row('IPv6 ipBlock matches an IPv6 external address', [...BASE, pod('x/c', { app: 'v6' }, ['10.0.1.3', 'fd00::1:3']), onlyEgress([{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } }])], P('x/c'), IP('2001:db8::1'), 443, 'TCP', true),
  row('dual-stack pods: egress allows only IPv6 and ingress only IPv4, so no single connection passes', [
    ns('x'),
    pod('x/a', { app: 'a' }, ['10.0.1.1', 'fd00::1:1']),
    pod('x/b', { app: 'b' }, ['10.0.1.2', 'fd00::1:2']),
    np('x/a-out', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: 'fd00::/16' } }] }] }),
    np('x/b-in', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16' } }] }] }),
  ], P('x/a'), P('x/b'), 80, 'TCP', false),
  row('dual-stack pods: both sides allow IPv6, so the connection passes over IPv6', [
    ns('x'),
    pod('x/a', { app: 'a' }, ['10.0.1.1', 'fd00::1:1']),
    pod('x/b', { app: 'b' }, ['10.0.1.2', 'fd00::1:2']),
    np('x/a-out', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: 'fd00::/16' } }] }] }),
    np('x/b-in', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: 'fd00::/16' } }, { ipBlock: { cidr: '10.0.0.0/16' } }] }] }),
  ], P('x/a'), P('x/b'), 80, 'TCP', true),
  row('IPv6 ipBlock except', [...BASE, onlyEgress([{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } }])], P('x/a'), IP('2001:db8:1::5'), 443, 'TCP', false),
  row('IPv6 ipBlock matches a dual-stack pod by its IPv6 address', [...BASE, pod('y/c', { app: 'v6' }, ['10.0.2.3', 'fd00::2:3']), pod('x/c', { app: 'v6' }, ['10.0.1.3', 'fd00::1:3']), onlyIngress([{ ipBlock: { cidr: 'fd00::2:0/112' } }])], P('y/c'), P('x/c'), 80, 'TCP', true),
  row('IPv6 ipBlock: a dual-stack source reaching an IPv4-only pod connects over IPv4, which the block does not match', [...BASE, pod('y/c', { app: 'v6' }, ['10.0.2.3', 'fd00::2:3']), onlyIngress([{ ipBlock: { cidr: 'fd00::2:0/112' } }])], P('y/c'), P('x/a'), 80, 'TCP', false),
  row('IPv6 ipBlock: a single-stack IPv4 pod is not matched', [...BASE, pod('y/c', { app: 'v6' }, ['10.0.2.3', 'fd00::2:3']), onlyIngress([{ ipBlock: { cidr: 'fd00::/16' } }])], P('y/a'), P('x/a'), 80, 'TCP', false),
  row('::/0 matches every IPv6 address, no IPv4 one', [...BASE, onlyIngress([{ ipBlock: { cidr: '::/0' } }])], IP('8.8.8.8'), P('x/a'), 80, 'TCP', false),

  // --- selectors
  row('matchExpressions In', [...BASE, onlyIngress([{ podSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }] } }])], P('x/b'), P('x/a'), 80, 'TCP', true),
  row('matchExpressions In: any listed value matches', [...BASE, onlyIngress([{ podSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['stage', 'prod'] }] } }])], P('x/b'), P('x/a'), 80, 'TCP', true),
  row('an empty label value is a value: Exists matches it', [...BASE, pod('x/c', { app: 'cache', env: '' }, ['10.0.1.3']), onlyIngress([{ podSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] } }])], P('x/c'), P('x/a'), 80, 'TCP', true),
  row('an empty label value is a value: DoesNotExist does not match it', [...BASE, pod('x/c', { app: 'cache', env: '' }, ['10.0.1.3']), onlyIngress([{ podSelector: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] } }])], P('x/c'), P('x/a'), 80, 'TCP', false),
  row('matchLabels with an empty value matches the empty value', [...BASE, pod('x/c', { app: 'cache', env: '' }, ['10.0.1.3']), onlyIngress([{ podSelector: { matchLabels: { env: '' } } }])], P('x/c'), P('x/a'), 80, 'TCP', true),
  row('matchLabels with an empty value does not match a missing label', [...BASE, pod('x/c', { app: 'cache', env: '' }, ['10.0.1.3']), onlyIngress([{ podSelector: { matchLabels: { env: '' } } }])], P('x/a'), P('x/c'), 80, 'TCP', false),
  row('matchExpressions In: a pod without the key does not match', [...BASE, onlyIngress([{ podSelector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] } }])], P('x/a'), P('x/b'), 80, 'TCP', false),
  row('matchExpressions NotIn: a pod without the key matches', [...BASE, onlyIngress([{ podSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] } }])], P('x/a'), P('x/b'), 80, 'TCP', true),
  row('matchExpressions NotIn: a pod with a listed value does not', [...BASE, onlyIngress([{ podSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] } }])], P('x/b'), P('x/a'), 80, 'TCP', false),
  row('matchExpressions Exists', [...BASE, onlyIngress([{ podSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] } }])], P('x/a'), P('x/b'), 80, 'TCP', false),
  row('matchExpressions DoesNotExist: a pod without the key matches', [...BASE, onlyIngress([{ podSelector: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] } }])], P('x/a'), P('x/b'), 80, 'TCP', true),
  row('NotIn in the policy podSelector isolates pods lacking the key', [...BASE, np('x/p', { podSelector: { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, policyTypes: ['Ingress'] })], P('y/a'), P('x/a'), 80, 'TCP', false),
  row('DoesNotExist in the policy podSelector leaves pods with the key open', [...BASE, np('x/p', { podSelector: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, policyTypes: ['Ingress'] })], P('y/a'), P('x/b'), 80, 'TCP', true),
  row('matchLabels and matchExpressions must all hold', [...BASE, onlyIngress([{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] } }])], P('x/b'), P('x/a'), 80, 'TCP', false),
  row('matchLabels and matchExpressions all holding', [...BASE, onlyIngress([{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] } }])], P('y/b'), P('x/a'), 80, 'TCP', true),
  row('namespaceSelector with matchExpressions NotIn: a namespace without the key matches', [...BASE, ns('z'), pod('z/a', {}, ['10.0.3.1']), onlyIngress([{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['b'] }] } }])], P('z/a'), P('x/a'), 80, 'TCP', true),
  row('implicit label kubernetes.io/metadata.name on a declared namespace', [...BASE, onlyIngress([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }])], P('y/a'), P('x/a'), 80, 'TCP', true),
  row('implicit label: other namespaces do not match it', [...BASE, onlyIngress([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }])], P('x/b'), P('x/a'), 80, 'TCP', false),
  row('an undeclared namespace has the name label', [...BASE, pod('w/a', { app: 'web' }, ['10.0.4.1']), onlyIngress([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'w' } } }])], P('w/a'), P('x/a'), 80, 'TCP', true),
  row('an undeclared namespace has only the name label', [...BASE, pod('w/a', { app: 'web' }, ['10.0.4.1']), onlyIngress([{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] } }])], P('w/a'), P('x/a'), 80, 'TCP', false),
  row('the name label cannot be overridden on a Namespace', [ns('x', { 'kubernetes.io/metadata.name': 'other' }), pod('x/a', {}, ['10.0.1.1']), pod('x/b', {}, ['10.0.1.2']), onlyIngress([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } } }])], P('x/b'), P('x/a'), 80, 'TCP', true),
  row('podSelector in the policy spec with matchLabels only selects matching pods', [...BASE, np('x/p', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] })], P('y/a'), P('x/a'), 80, 'TCP', true),

  // --- ports
  row('missing ports: every port and protocol', [...BASE, onlyIngress([{ podSelector: {} }])], P('x/b'), P('x/a'), 31337, 'SCTP', true),
  row('empty ports: every port and protocol', [...BASE, onlyIngress([{ podSelector: {} }], [])], P('x/b'), P('x/a'), 53, 'UDP', true),
  row('a numeric port matches itself', [...BASE, onlyIngress(undefined, [{ port: 80 }])], P('y/a'), P('x/a'), 80, 'TCP', true),
  row('a numeric port matches nothing else', [...BASE, onlyIngress(undefined, [{ port: 80 }])], P('y/a'), P('x/a'), 81, 'TCP', false),
  row('protocol defaults to TCP: UDP on the same number is denied', [...BASE, onlyIngress(undefined, [{ port: 53 }])], P('y/a'), P('x/a'), 53, 'UDP', false),
  row('endPort range: below port', [...BASE, onlyIngress(undefined, [{ port: 8000, endPort: 8080 }])], P('y/a'), P('x/a'), 7999, 'TCP', false),
  row('endPort range: port', [...BASE, onlyIngress(undefined, [{ port: 8000, endPort: 8080 }])], P('y/a'), P('x/a'), 8000, 'TCP', true),
  row('endPort range: inside', [...BASE, onlyIngress(undefined, [{ port: 8000, endPort: 8080 }])], P('y/a'), P('x/a'), 8042, 'TCP', true),
  row('endPort range: endPort', [...BASE, onlyIngress(undefined, [{ port: 8000, endPort: 8080 }])], P('y/a'), P('x/a'), 8080, 'TCP', true),
  row('endPort range: endPort + 1', [...BASE, onlyIngress(undefined, [{ port: 8000, endPort: 8080 }])], P('y/a'), P('x/a'), 8081, 'TCP', false),
  row('endPort equal to port', [...BASE, onlyIngress(undefined, [{ port: 8000, endPort: 8000 }])], P('y/a'), P('x/a'), 8000, 'TCP', true),
  row('endPort range with UDP: TCP is not in it', [...BASE, onlyIngress(undefined, [{ port: 8000, endPort: 8080, protocol: 'UDP' }])], P('y/a'), P('x/a'), 8000, 'TCP', false),
  row('protocol-only entry matches every port of that protocol', [...BASE, onlyIngress(undefined, [{ protocol: 'UDP' }])], P('y/a'), P('x/a'), 5353, 'UDP', true),
  row('protocol-only entry: other protocols denied', [...BASE, onlyIngress(undefined, [{ protocol: 'UDP' }])], P('y/a'), P('x/a'), 5353, 'TCP', false),
  row('port entry {}: every TCP port', [...BASE, onlyIngress(undefined, [{}])], P('y/a'), P('x/a'), 5353, 'TCP', true),
  row('port entry {}: not UDP', [...BASE, onlyIngress(undefined, [{}])], P('y/a'), P('x/a'), 5353, 'UDP', false),
  row('SCTP is not TCP', [...BASE, onlyIngress(undefined, [{ port: 80, protocol: 'SCTP' }])], P('y/a'), P('x/a'), 80, 'TCP', false),
  row('SCTP port allowed over SCTP', [...BASE, onlyIngress(undefined, [{ port: 80, protocol: 'SCTP' }])], P('y/a'), P('x/a'), 80, 'SCTP', true),
  row('TCP policy does not allow SCTP', [...BASE, onlyIngress(undefined, [{ port: 80, protocol: 'TCP' }])], P('y/a'), P('x/a'), 80, 'SCTP', false),
  row('egress ports on the outside: numeric', [...BASE, onlyEgress(undefined, [{ port: 443 }])], P('x/a'), IP('52.1.2.3'), 443, 'TCP', true),
];

/** Two pods whose port named http has different numbers, and a dns port on UDP. */
const NAMED: readonly Obj[] = [
  ns('x'),
  ns('y'),
  pod('x/a', { app: 'web' }, ['10.0.1.1'], [['http', 8080], ['dns', 53, 'UDP'], ['metrics', 9090, 'SCTP']]),
  pod('x/b', { app: 'web' }, ['10.0.1.2'], [['http', 9090], [undefined, 8080]]),
  pod('y/a', { app: 'client' }, ['10.0.2.1'], [['http', 80]]),
];
const NAMED_IN = (ports: unknown[]): Obj => np('x/named', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports }] });
const NAMED_OUT = (ports: unknown[]): Obj => np('y/named-out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports }] });
rows.push(
  row('named port resolves at the destination (x/a: http=8080)', [...NAMED, NAMED_IN([{ port: 'http' }])], P('y/a'), P('x/a'), 8080, 'TCP', true),
  row('named port: another number on the same pod is denied', [...NAMED, NAMED_IN([{ port: 'http' }])], P('y/a'), P('x/a'), 9090, 'TCP', false),
  row('named port resolves to another number on another pod (x/b: http=9090)', [...NAMED, NAMED_IN([{ port: 'http' }])], P('y/a'), P('x/b'), 9090, 'TCP', true),
  row('named port: x/b serves 8080 unnamed, which http does not cover', [...NAMED, NAMED_IN([{ port: 'http' }])], P('y/a'), P('x/b'), 8080, 'TCP', false),
  row('named port never resolves against the source pod', [...NAMED, NAMED_IN([{ port: 'http' }])], P('y/a'), P('x/b'), 80, 'TCP', false),
  row('named port with the wrong protocol (dns is UDP, policy says TCP by default)', [...NAMED, NAMED_IN([{ port: 'dns' }])], P('y/a'), P('x/a'), 53, 'TCP', false),
  row('named port with the wrong protocol does not allow the UDP port either', [...NAMED, NAMED_IN([{ port: 'dns' }])], P('y/a'), P('x/a'), 53, 'UDP', false),
  row('named port with the right protocol', [...NAMED, NAMED_IN([{ port: 'dns', protocol: 'UDP' }])], P('y/a'), P('x/a'), 53, 'UDP', true),
  row('named SCTP port', [...NAMED, NAMED_IN([{ port: 'metrics', protocol: 'SCTP' }])], P('y/a'), P('x/a'), 9090, 'SCTP', true),
  row('named SCTP port is not TCP', [...NAMED, NAMED_IN([{ port: 'metrics', protocol: 'TCP' }])], P('y/a'), P('x/a'), 9090, 'TCP', false),
  row('named port that no destination container has', [...NAMED, NAMED_IN([{ port: 'grpc' }])], P('y/a'), P('x/a'), 8080, 'TCP', false),
  row('named port in egress resolves at the destination (x/a)', [...NAMED, NAMED_OUT([{ port: 'http' }])], P('y/a'), P('x/a'), 8080, 'TCP', true),
  row('named port in egress resolves at the destination (x/b)', [...NAMED, NAMED_OUT([{ port: 'http' }])], P('y/a'), P('x/b'), 9090, 'TCP', true),
  row('named port in egress: not the source pod port', [...NAMED, NAMED_OUT([{ port: 'http' }])], P('y/a'), P('x/a'), 80, 'TCP', false),
  row('named port never matches an external destination', [...NAMED, NAMED_OUT([{ port: 'http' }])], P('y/a'), IP('8.8.8.8'), 80, 'TCP', false),
  row('named port never matches an external destination (any number)', [...NAMED, NAMED_OUT([{ port: 'http' }])], P('y/a'), IP('8.8.8.8'), 8080, 'TCP', false),
  row('named and numeric entries are OR-ed', [...NAMED, NAMED_OUT([{ port: 'http' }, { port: 443 }])], P('y/a'), IP('8.8.8.8'), 443, 'TCP', true),
  row('named port on ingress from an external source resolves at the pod', [...NAMED, NAMED_IN([{ port: 'http' }])], IP('8.8.8.8'), P('x/a'), 8080, 'TCP', true),
);

// ---------------------------------------------------------------------------

type EngineEndpoint = string | { ip: string };
const toEngine = (p: Peer): EngineEndpoint => ('pod' in p ? p.pod : { ip: p.ip });
const fmt = (p: Peer): string => ('pod' in p ? p.pod : p.ip);

describe('rules, one row each: reference and engine agree with the expectation', () => {
  test('the table covers many rows', () => {
    assert.ok(rows.length >= 100, `only ${rows.length} rows`);
  });
  for (const r of rows) {
    test(r.description, () => {
      const what = `${fmt(r.from)} -> ${fmt(r.to)} ${r.port}/${r.protocol}`;
      const objectsYaml = r.objects.map((o) => yaml.dump(o, { noRefs: true })).join('---\n');
      assert.equal(referenceAllowed(r.objects, r.from, r.to, r.port, r.protocol), r.expected, `reference: ${what}\n${objectsYaml}`);
      const inv = buildInventory(r.objects.map((value, i) => ({ value, source: { file: 'table', doc: i, line: 1 } })));
      const errors = inv.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors.map((d) => `[${d.code}] ${d.message}`), [], 'engine: error diagnostics');
      const analysis = analyze(inv);
      assert.equal(analysis.isAllowed(toEngine(r.from), toEngine(r.to), r.port, r.protocol), r.expected, `engine: ${what}\n${objectsYaml}`);
    });
  }
});
