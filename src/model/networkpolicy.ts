/**
 * networking.k8s.io/v1 NetworkPolicy: the normalised form the engine computes on,
 * and the validation the API server applies before it stores one. An object the
 * API server would reject never reaches a cluster, so it is reported and left out.
 */
import type { Labels } from './labels.js';
import type { SourceRef } from './source.js';
import { parseCidr, type Cidr } from './ip.js';
import { isRecord } from './json.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** A metav1.LabelSelector. Both parts empty: matches everything. */
export interface LabelSelector {
  readonly matchLabels: Labels;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

export type Peer =
  | {
      readonly kind: 'selector';
      /** Index in the rule's `from`/`to` list. */
      readonly index: number;
      /** Absent: the policy's own namespace (when namespaceSelector is absent too) or every pod. */
      readonly podSelector?: LabelSelector;
      /** Absent: the policy's namespace only. */
      readonly namespaceSelector?: LabelSelector;
    }
  | {
      readonly kind: 'ipBlock';
      readonly index: number;
      readonly cidr: Cidr;
      readonly except: readonly Cidr[];
    };

export interface PolicyPort {
  readonly index: number;
  readonly protocol: Protocol;
  /** Absent: every port of the protocol. A string is a named port, resolved at the destination. */
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface PolicyRule {
  /** Index in `spec.ingress` or `spec.egress`. */
  readonly index: number;
  /** `undefined`: `from`/`to` missing or empty, which means every peer (in-cluster and outside). */
  readonly peers?: readonly Peer[];
  /** `undefined`: `ports` missing or empty, which means every port and protocol. */
  readonly ports?: readonly PolicyPort[];
}

export interface NetworkPolicy {
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: LabelSelector;
  /** Effective policyTypes after the API server's defaulting. */
  readonly ingressType: boolean;
  readonly egressType: boolean;
  /** Whether policyTypes was written out (for explanations of the defaulting). */
  readonly policyTypesDefaulted: boolean;
  readonly ingress: readonly PolicyRule[];
  readonly egress: readonly PolicyRule[];
  readonly source: SourceRef;
}

/** A rejection the API server would give, with the field path it would name. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
  readonly severity: 'error' | 'warning';
  /** Who refuses an error: the API server (default), or the agent that enforces the object. */
  readonly refusedBy?: string;
}

// Label syntax (k8s.io/apimachinery/pkg/util/validation).
const QUALIFIED_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    if (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) {
      return `label key prefix "${prefix}" must be a DNS subdomain (lower case, at most 253 characters)`;
    }
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `label key "${key}" is not valid: the name part must be 1-63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric`;
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !QUALIFIED_NAME.test(value)) {
    return `label value "${value}" is not valid: at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric`;
  }
  return undefined;
}

/** IANA_SVC_NAME, the syntax of a named port (k8s IsValidPortName). */
export function portNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 15) return 'a port name must be 1-15 characters';
  if (!/^[-a-z0-9]+$/.test(name)) return 'a port name may contain only lower-case letters, digits and -';
  if (!/[a-z]/.test(name)) return 'a port name must contain at least one letter';
  if (name.startsWith('-') || name.endsWith('-') || name.includes('--')) {
    return 'a port name may not begin or end with - or contain --';
  }
  return undefined;
}

const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** Turns a raw label selector into the normal form, collecting what the API server would reject. */
export function parseLabelSelector(raw: unknown, path: string, problems: FieldProblem[]): LabelSelector {
  const out: { matchLabels: Record<string, string>; matchExpressions: LabelSelectorRequirement[] } = {
    matchLabels: {},
    matchExpressions: [],
  };
  if (raw === null || raw === undefined) return out;
  if (!isRecord(raw)) {
    problems.push({ severity: 'error', path, message: 'a label selector must be an object with matchLabels and/or matchExpressions' });
    return out;
  }
  for (const field of Object.keys(raw)) {
    if (field !== 'matchLabels' && field !== 'matchExpressions') {
      problems.push({
        severity: 'error',
        path: `${path}.${field}`,
        message: `unknown field "${field}" in a label selector`,
        hint: 'a label selector has only matchLabels and matchExpressions',
      });
    }
  }
  const ml = raw['matchLabels'];
  if (ml !== undefined && ml !== null) {
    if (!isRecord(ml)) {
      problems.push({ severity: 'error', path: `${path}.matchLabels`, message: 'matchLabels must be a map of label keys to values' });
    } else {
      for (const [k, v] of Object.entries(ml)) {
        const p = `${path}.matchLabels.${k}`;
        const kp = labelKeyProblem(k);
        if (kp) problems.push({ severity: 'error', path: p, message: kp });
        if (typeof v !== 'string') {
          problems.push({
            severity: 'error',
            path: p,
            message: `label value must be a string, got ${JSON.stringify(v)}`,
            hint: `quote it: "${String(v)}"`,
          });
          continue;
        }
        const vp = labelValueProblem(v);
        if (vp) problems.push({ severity: 'error', path: p, message: vp });
        out.matchLabels[k] = v;
      }
    }
  }
  const me = raw['matchExpressions'];
  if (me !== undefined && me !== null) {
    if (!Array.isArray(me)) {
      problems.push({ severity: 'error', path: `${path}.matchExpressions`, message: 'matchExpressions must be a list' });
    } else {
      me.forEach((req: unknown, i) => {
        const p = `${path}.matchExpressions[${i}]`;
        if (!isRecord(req)) {
          problems.push({ severity: 'error', path: p, message: 'a selector requirement must be an object with key, operator and values' });
          return;
        }
        const key = req['key'];
        const op = req['operator'];
        const values = req['values'];
        if (typeof key !== 'string' || key === '') {
          problems.push({ severity: 'error', path: `${p}.key`, message: 'key is required' });
          return;
        }
        const kp = labelKeyProblem(key);
        if (kp) problems.push({ severity: 'error', path: `${p}.key`, message: kp });
        if (typeof op !== 'string' || !OPERATORS.includes(op as SelectorOperator)) {
          problems.push({
            severity: 'error',
            path: `${p}.operator`,
            message: `"${String(op)}" is not a valid selector operator`,
            hint: `use one of ${OPERATORS.join(', ')} (case matters)`,
          });
          return;
        }
        const operator = op as SelectorOperator;
        let vals: string[] = [];
        if (values !== undefined && values !== null) {
          if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
            problems.push({ severity: 'error', path: `${p}.values`, message: 'values must be a list of strings', hint: 'quote values such as "true" or "1"' });
            return;
          }
          vals = values as string[];
        }
        if ((operator === 'In' || operator === 'NotIn') && vals.length === 0) {
          problems.push({ severity: 'error', path: `${p}.values`, message: `values must be non-empty when operator is ${operator}` });
          return;
        }
        if ((operator === 'Exists' || operator === 'DoesNotExist') && vals.length > 0) {
          problems.push({ severity: 'error', path: `${p}.values`, message: `values must be empty when operator is ${operator}` });
          return;
        }
        vals.forEach((v, j) => {
          const vp = labelValueProblem(v);
          if (vp) problems.push({ severity: 'error', path: `${p}.values[${j}]`, message: vp });
        });
        out.matchExpressions.push({ key, operator, values: vals });
      });
    }
  }
  return out;
}

function parsePorts(raw: unknown, path: string, problems: FieldProblem[]): PolicyPort[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    problems.push({ severity: 'error', path, message: 'ports must be a list' });
    return undefined;
  }
  if (raw.length === 0) return undefined;
  const ports: PolicyPort[] = [];
  raw.forEach((entry: unknown, i) => {
    const p = `${path}[${i}]`;
    if (entry === null || entry === undefined) entry = {};
    if (!isRecord(entry)) {
      problems.push({ severity: 'error', path: p, message: 'a port entry must be an object with protocol, port and endPort' });
      return;
    }
    let protocol: Protocol = 'TCP';
    const proto = entry['protocol'];
    if (proto !== undefined && proto !== null) {
      if (typeof proto !== 'string' || !['TCP', 'UDP', 'SCTP'].includes(proto)) {
        problems.push({
          severity: 'error',
          path: `${p}.protocol`,
          message: `unsupported protocol ${JSON.stringify(proto)}`,
          hint: 'use TCP, UDP or SCTP (upper case)',
        });
        return;
      }
      protocol = proto as Protocol;
    }
    const port = entry['port'];
    const endPort = entry['endPort'];
    let outPort: number | string | undefined;
    if (port !== undefined && port !== null) {
      if (typeof port === 'number') {
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
          problems.push({ severity: 'error', path: `${p}.port`, message: `port ${port} is out of range`, hint: 'a port number is between 1 and 65535' });
          return;
        }
        outPort = port;
      } else if (typeof port === 'string') {
        // An IntOrString written as a quoted number is still a number to the API server.
        if (/^[0-9]+$/.test(port)) {
          problems.push({
            severity: 'error',
            path: `${p}.port`,
            message: `port "${port}" is a string of digits, which the API server reads as a port name and rejects`,
            hint: `write it without quotes: port: ${port}`,
          });
          return;
        }
        const np = portNameProblem(port);
        if (np) {
          problems.push({ severity: 'error', path: `${p}.port`, message: `"${port}" is not a valid port name: ${np}` });
          return;
        }
        outPort = port;
      } else {
        problems.push({ severity: 'error', path: `${p}.port`, message: 'port must be a number or a port name' });
        return;
      }
    }
    let outEnd: number | undefined;
    if (endPort !== undefined && endPort !== null) {
      if (typeof endPort !== 'number' || !Number.isInteger(endPort) || endPort < 1 || endPort > 65535) {
        problems.push({ severity: 'error', path: `${p}.endPort`, message: `endPort ${JSON.stringify(endPort)} is out of range`, hint: 'endPort is a number between 1 and 65535' });
        return;
      }
      if (outPort === undefined) {
        problems.push({ severity: 'error', path: `${p}.endPort`, message: 'endPort may not be specified when port is not specified', hint: 'add a numeric port: the range is port..endPort' });
        return;
      }
      if (typeof outPort === 'string') {
        problems.push({ severity: 'error', path: `${p}.endPort`, message: 'endPort may not be specified when port is a named port', hint: 'use a numeric port for a range' });
        return;
      }
      if (endPort < outPort) {
        problems.push({ severity: 'error', path: `${p}.endPort`, message: `endPort ${endPort} must be greater than or equal to port ${outPort}` });
        return;
      }
      outEnd = endPort;
    }
    const pp: { index: number; protocol: Protocol; port?: number | string; endPort?: number } = { index: i, protocol };
    if (outPort !== undefined) pp.port = outPort;
    if (outEnd !== undefined) pp.endPort = outEnd;
    ports.push(pp);
  });
  return ports;
}

function parsePeers(raw: unknown, path: string, problems: FieldProblem[]): Peer[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) {
    problems.push({ severity: 'error', path, message: 'must be a list of peers' });
    return undefined;
  }
  if (raw.length === 0) return undefined;
  const peers: Peer[] = [];
  raw.forEach((entry: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isRecord(entry)) {
      problems.push({ severity: 'error', path: p, message: 'must specify a peer', hint: 'give podSelector and/or namespaceSelector, or ipBlock' });
      return;
    }
    const hasPod = entry['podSelector'] !== undefined && entry['podSelector'] !== null;
    const hasNs = entry['namespaceSelector'] !== undefined && entry['namespaceSelector'] !== null;
    const ipb = entry['ipBlock'];
    const hasIp = ipb !== undefined && ipb !== null;
    if (!hasPod && !hasNs && !hasIp) {
      problems.push({ severity: 'error', path: p, message: 'must specify a peer', hint: 'an empty peer {} is rejected; to allow every pod in every namespace write namespaceSelector: {}' });
      return;
    }
    if (hasIp && (hasPod || hasNs)) {
      problems.push({ severity: 'error', path: p, message: 'may not specify more than 1 peer: ipBlock cannot be combined with podSelector or namespaceSelector', hint: 'split it into two entries of the list' });
      return;
    }
    if (hasIp) {
      if (!isRecord(ipb)) {
        problems.push({ severity: 'error', path: `${p}.ipBlock`, message: 'ipBlock must be an object with cidr and except' });
        return;
      }
      const cidrRaw = ipb['cidr'];
      if (typeof cidrRaw !== 'string' || cidrRaw === '') {
        problems.push({ severity: 'error', path: `${p}.ipBlock.cidr`, message: 'cidr is required', hint: 'e.g. cidr: 10.0.0.0/8' });
        return;
      }
      const cidr = parseCidr(cidrRaw);
      if (typeof cidr === 'string') {
        problems.push({ severity: 'error', path: `${p}.ipBlock.cidr`, message: `"${cidrRaw}" is not a valid CIDR: ${cidr}`, hint: 'write an address and a prefix length, e.g. 10.0.0.0/8 or fd00::/8' });
        return;
      }
      if (cidr.hostBitsSet) {
        problems.push({ severity: 'warning', path: `${p}.ipBlock.cidr`, message: `"${cidrRaw}" has host bits set; it means ${cidr.text}`, hint: `write ${cidr.text}` });
      }
      const except: Cidr[] = [];
      const exRaw = ipb['except'];
      let bad = 0;
      if (exRaw !== undefined && exRaw !== null) {
        if (!Array.isArray(exRaw)) {
          problems.push({ severity: 'error', path: `${p}.ipBlock.except`, message: 'except must be a list of CIDRs' });
          return;
        }
        exRaw.forEach((e: unknown, j) => {
          const ep = `${p}.ipBlock.except[${j}]`;
          if (typeof e !== 'string') {
            problems.push({ severity: 'error', path: ep, message: 'must be a CIDR string' });
            bad++;
            return;
          }
          const ec = parseCidr(e);
          if (typeof ec === 'string') {
            problems.push({ severity: 'error', path: ep, message: `"${e}" is not a valid CIDR: ${ec}` });
            bad++;
            return;
          }
          // The API server: `except` must be a strict subset of `cidr` (same family, longer prefix, inside it).
          if (ec.family !== cidr.family || ec.prefix <= cidr.prefix || ec.start < cidr.start || ec.end > cidr.end) {
            problems.push({
              severity: 'error',
              path: ep,
              message: `except ${e} must be a strict subset of cidr ${cidrRaw}`,
              hint: 'an except entry must lie inside the cidr and be smaller than it',
            });
            bad++;
            return;
          }
          except.push(ec);
        });
      }
      if (bad > 0) return;
      peers.push({ kind: 'ipBlock', index: i, cidr, except });
      return;
    }
    const peer: { kind: 'selector'; index: number; podSelector?: LabelSelector; namespaceSelector?: LabelSelector } = {
      kind: 'selector',
      index: i,
    };
    const before = problems.filter((x) => x.severity === 'error').length;
    if (hasPod) peer.podSelector = parseLabelSelector(entry['podSelector'], `${p}.podSelector`, problems);
    if (hasNs) peer.namespaceSelector = parseLabelSelector(entry['namespaceSelector'], `${p}.namespaceSelector`, problems);
    if (problems.filter((x) => x.severity === 'error').length === before) peers.push(peer);
  });
  return peers;
}

function parseRules(raw: unknown, dir: 'ingress' | 'egress', problems: FieldProblem[]): PolicyRule[] {
  const path = `spec.${dir}`;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push({ severity: 'error', path, message: `${dir} must be a list of rules` });
    return [];
  }
  const peerField = dir === 'ingress' ? 'from' : 'to';
  return raw.map((rule: unknown, i) => {
    const p = `${path}[${i}]`;
    if (rule === null || rule === undefined) return { index: i };
    if (!isRecord(rule)) {
      problems.push({ severity: 'error', path: p, message: 'a rule must be an object' });
      return { index: i };
    }
    for (const field of Object.keys(rule)) {
      if (field !== peerField && field !== 'ports') {
        problems.push({
          severity: 'error',
          path: `${p}.${field}`,
          message: `unknown field "${field}" in an ${dir} rule`,
          hint: `an ${dir} rule has only ${peerField} and ports${field === (dir === 'ingress' ? 'to' : 'from') ? ` (did you mean ${peerField}?)` : ''}`,
        });
      }
    }
    const out: { index: number; peers?: Peer[]; ports?: PolicyPort[] } = { index: i };
    const peers = parsePeers(rule[peerField], `${p}.${peerField}`, problems);
    const ports = parsePorts(rule['ports'], `${p}.ports`, problems);
    if (peers) out.peers = peers;
    if (ports) out.ports = ports;
    return out;
  });
}

/**
 * Validates and normalises a NetworkPolicy object. Returns the policy, or
 * undefined when the API server would reject it; `problems` says why either way.
 */
export function parseNetworkPolicy(
  obj: { metadata: { name: string; namespace?: string }; spec?: unknown },
  namespace: string,
  source: SourceRef,
  problems: FieldProblem[],
): NetworkPolicy | undefined {
  const start = problems.length;
  // `spec: null` (what a template with an empty spec renders) or no spec is an empty spec, as the API
  // server stores it: podSelector {} and policyTypes [Ingress], so every pod of the namespace is isolated for ingress.
  const empty = obj.spec === null || obj.spec === undefined;
  const spec = empty ? {} : obj.spec;
  if (!isRecord(spec)) {
    problems.push({ severity: 'error', path: 'spec', message: 'spec must be an object', hint: 'a NetworkPolicy needs at least spec.podSelector ({} selects every pod)' });
    return undefined;
  }
  if (spec['podSelector'] === undefined && !empty) {
    problems.push({
      severity: 'warning',
      path: 'spec.podSelector',
      message: 'spec.podSelector is missing; it is read as {} (every pod in the namespace)',
      hint: 'write podSelector: {} to say so explicitly',
    });
  }
  const podSelector = parseLabelSelector(spec['podSelector'], 'spec.podSelector', problems);
  const ingress = parseRules(spec['ingress'], 'ingress', problems);
  const egress = parseRules(spec['egress'], 'egress', problems);

  // policyTypes defaulting (pkg/apis/networking/v1 defaults): when missing or empty it
  // becomes [Ingress], plus Egress only when spec.egress has at least one rule.
  const rawTypes = spec['policyTypes'];
  let ingressType = false;
  let egressType = false;
  let defaulted = false;
  if (rawTypes === undefined || rawTypes === null || (Array.isArray(rawTypes) && rawTypes.length === 0)) {
    defaulted = true;
    ingressType = true;
    egressType = egress.length > 0;
  } else if (!Array.isArray(rawTypes)) {
    problems.push({ severity: 'error', path: 'spec.policyTypes', message: 'policyTypes must be a list', hint: 'e.g. policyTypes: [Ingress, Egress]' });
  } else {
    if (rawTypes.length > 2) {
      problems.push({ severity: 'error', path: 'spec.policyTypes', message: 'may not have more than 2 entries' });
    }
    rawTypes.forEach((t: unknown, i) => {
      if (t === 'Ingress') ingressType = true;
      else if (t === 'Egress') egressType = true;
      else {
        problems.push({
          severity: 'error',
          path: `spec.policyTypes[${i}]`,
          message: `unsupported value ${JSON.stringify(t)}`,
          hint: 'policyTypes takes Ingress and Egress (capitalised)',
        });
      }
    });
  }
  if (problems.slice(start).some((p) => p.severity === 'error')) return undefined;
  return {
    name: obj.metadata.name,
    namespace,
    podSelector,
    ingressType,
    egressType,
    policyTypesDefaulted: defaulted,
    ingress,
    egress,
    source,
  };
}
