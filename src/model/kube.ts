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
]);

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}
