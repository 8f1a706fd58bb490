import type { Labels } from './labels.js';
import type { SourceRef } from './source.js';

/** The part of every Kubernetes object the tool relies on. Other fields stay as loaded. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Labels;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly OwnerReference[];
  readonly [field: string]: unknown;
}

export interface OwnerReference {
  readonly apiVersion?: string;
  readonly kind: string;
  readonly name: string;
  readonly controller?: boolean;
}

/** An object as loaded: the object itself (namespace defaulted for namespaced kinds) and where it came from. */
export interface LoadedObject {
  readonly object: KubeObject;
  readonly source: SourceRef;
}

/** `apps/v1` → `apps`; `v1` → `` (the core group). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Kinds that have no namespace. Everything else is namespaced and defaults to the default namespace. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'StorageClass', 'IngressClass', 'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
  'APIService', 'ClusterIssuer', 'GatewayClass', 'FelixConfiguration', 'IPPool', 'GlobalNetworkPolicy',
  'GlobalNetworkSet', 'CiliumClusterwideNetworkPolicy', 'ClusterPolicy', 'RuntimeClass', 'CSIDriver',
  'VolumeAttachment', 'CertificateSigningRequest', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterTrustBundle', 'KubeControllersConfiguration',
  'BGPConfiguration', 'BGPPeer', 'ClusterInformation', 'HostEndpoint', 'ClusterNetworkPolicy', 'Tier',
  'StagedGlobalNetworkPolicy', 'GlobalNetworkSet',
  // Calico (projectcalico.org, crd.projectcalico.org) and its operator (operator.tigera.io).
  'IPAMConfig', 'IPAMBlock', 'IPAMHandle', 'BlockAffinity', 'IPReservation', 'CalicoNodeStatus', 'BGPFilter',
  'Installation', 'APIServer', 'ImageSet', 'TigeraStatus', 'Goldmane', 'Whisker', 'ManagementClusterConnection',
  // Cilium.
  'CiliumNode', 'CiliumIdentity', 'CiliumExternalWorkload', 'CiliumLoadBalancerIPPool', 'CiliumCIDRGroup',
  'CiliumBGPClusterConfig', 'CiliumBGPPeerConfig', 'CiliumBGPAdvertisement', 'CiliumBGPNodeConfig',
  'CiliumL2AnnouncementPolicy', 'CiliumPodIPPool', 'CiliumClusterwideEnvoyConfig',
  // Others often found beside manifests.
  'ClusterSecretStore', 'ClusterExternalSecret', 'ConstraintTemplate', 'NodePool', 'NodeClaim', 'EC2NodeClass',
  'VolumeSnapshotClass', 'VolumeSnapshotContent', 'IngressClassParams', 'ClusterImagePolicy', 'ClusterPolicyReport',
  // meshless's own settings beside generated manifests (meshless-audit.yaml).
  'AuditSettings',
]);

/**
 * Is an object of this kind cluster-scoped? A CustomResourceDefinition in the input
 * settles it for its kind (`spec.scope`); otherwise the built-in kinds and a list of
 * well-known custom resources do.
 */
export function isClusterScoped(kind: string, group?: string, crdScopes?: ReadonlyMap<string, boolean>): boolean {
  const fromCrd = group !== undefined && crdScopes !== undefined && crdScopes.size > 0 ? crdScopes.get(`${group}/${kind}`) : undefined;
  return fromCrd ?? CLUSTER_SCOPED.has(kind);
}

/** `group/kind` → cluster-scoped, from the CustomResourceDefinitions among the input's documents. */
export function crdScopes(values: Iterable<unknown>): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const v of values) {
    if (typeof v !== 'object' || v === null) continue;
    const o = v as { kind?: unknown; spec?: { group?: unknown; scope?: unknown; names?: { kind?: unknown } } };
    if (o.kind !== 'CustomResourceDefinition') continue;
    const group = o.spec?.group;
    const kind = o.spec?.names?.kind;
    const scope = o.spec?.scope;
    if (typeof group === 'string' && typeof kind === 'string' && (scope === 'Cluster' || scope === 'Namespaced')) out.set(`${group}/${kind}`, scope === 'Cluster');
  }
  return out;
}
