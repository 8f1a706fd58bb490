/**
 * Fixes as objects for the checks that are not about segregation (auth-*, tls-*,
 * rbac-*, cni-*): a finding's `fixObjects` are the whole objects to apply, either
 * new ones built by the generator's builders (src/generate/*: a SecurityPolicy,
 * a forwardAuth Middleware, a ClusterIssuer, a Certificate, a Role and its
 * RoleBinding, a CNI setting), or the finding's own object with the change its
 * fix text shows applied as a JSON merge patch (RFC 7386, what
 * `kubectl patch --type merge` does). The fix text stays what a person reads;
 * the objects are what tools apply (json, sarif).
 */
import { Document, isScalar, isSeq, visit } from 'yaml';
import { isRecord } from '../model/json.js';
import type { LoadedObject } from '../model/kube.js';
import { field, list } from '../exposure/index.js';
import type { Obj } from '../generate/platform.js';
import { ACME_SERVERS, clusterIssuerObject, http01IngressSolver } from '../generate/tls.js';

/** Metadata the API server sets: not part of what one writes back. */
const SERVER_SET = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function copy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function without(o: Obj, keys: readonly string[]): Obj {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

/** The object as it would be written back: a copy without `status` and the metadata the API server sets. */
export function asWritten(o: LoadedObject): Obj {
  const out = without(copy(o.object), ['status']);
  const md = out['metadata'];
  if (!isRecord(md)) return out;
  const meta = without(md, SERVER_SET);
  const ann = meta['annotations'];
  if (isRecord(ann)) {
    const kept = without(ann, [LAST_APPLIED]);
    return { ...out, metadata: Object.keys(kept).length > 0 ? { ...meta, annotations: kept } : without(meta, ['annotations']) };
  }
  return { ...out, metadata: meta };
}

/** JSON merge patch (RFC 7386): maps merge key by key, `null` deletes a key, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return copy(patch);
  const out: Obj = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) out[k] = mergePatch(out[k], v);
  return without(out, Object.keys(patch).filter((k) => patch[k] === null));
}

/** The finding's object with the change applied. */
export function patched(o: LoadedObject, patch: Obj): Obj {
  return mergePatch(asWritten(o), patch) as Obj;
}

/** `{ metadata: { annotations } }`, the patch most edge fixes are. */
export function annotationsPatch(annotations: Readonly<Record<string, string | null>>): Obj {
  return { metadata: { annotations: { ...annotations } } };
}

/**
 * The ClusterIssuer `issuerAdvice` proposes to create when the input has none
 * (exposure/tls.ts shows it as text): Let's Encrypt production, HTTP-01 through
 * the nginx Ingress class, as `meshless generate` writes it.
 */
export function advisedIssuerObjects(advice: { readonly name: string; readonly create?: string }): Obj[] {
  if (advice.create === undefined) return [];
  return [clusterIssuerObject({ name: advice.name, server: ACME_SERVERS.production, email: 'platform-team@example.com', solver: http01IngressSolver('nginx') })];
}

/**
 * Objects as YAML for a fix text, lists of plain values on one line
 * (`verbs: [get, list, watch]`): the same objects as `objectsYaml`, shorter to read.
 */
export function compactObjectsYaml(objects: readonly Obj[]): string {
  return objects
    .map((o) => {
      const doc = new Document(o, { aliasDuplicateObjects: false });
      visit(doc, {
        Seq(_, node) {
          if (isSeq(node) && node.items.every((i) => isScalar(i))) node.flow = true;
        },
      });
      return doc.toString({ lineWidth: 0, indentSeq: true, flowCollectionPadding: false });
    })
    .join('---\n');
}

/**
 * A Service of type LoadBalancer or NodePort made private: `type: ClusterIP`, without
 * the fields only those types take (the API server rejects a ClusterIP Service that
 * keeps a nodePort or load balancer settings).
 */
export function clusterIpService(svc: LoadedObject): Obj {
  const ports = list(field(svc.object, 'spec', 'ports'));
  return patched(svc, {
    spec: {
      type: 'ClusterIP',
      ports: ports.map((p) => (isRecord(p) ? without(p, ['nodePort']) : p)),
      externalTrafficPolicy: null,
      healthCheckNodePort: null,
      loadBalancerIP: null,
      loadBalancerSourceRanges: null,
      loadBalancerClass: null,
      allocateLoadBalancerNodePorts: null,
    },
  });
}
