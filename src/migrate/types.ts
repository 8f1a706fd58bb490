/** The vocabulary of `meshless migrate`: options, the new edge's pods, and the result. */
import type { Doc, FilePlan } from '../generate/yaml.js';
import type { Unsupported } from './read.js';
import type { Proof } from './proof.js';

export type MigrateTarget = 'envoy-gateway' | 'traefik';
export const MIGRATE_TARGETS: readonly MigrateTarget[] = ['envoy-gateway', 'traefik'];

export interface MigrateOptions {
  readonly target: MigrateTarget;
  /** Envoy Gateway: add listeners to this existing Gateway instead of writing a new one. */
  readonly gateway?: { readonly namespace: string; readonly name: string };
}

/** The pods of the new edge: where they run, their labels, the ports clients reach. */
export interface EdgePods {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly { readonly name: string; readonly port: number }[];
  /** Found in the input (true), or a stand-in for the pods the controller will create (false). */
  readonly inInput: boolean;
  /** The workload name of the stand-in (or of the existing pods). */
  readonly name: string;
}

export interface MigrationResult {
  readonly target: MigrateTarget;
  readonly files: readonly FilePlan[];
  readonly unsupported: readonly Unsupported[];
  readonly proof: Proof;
  /** The Ingresses migrated (`ns/name`). */
  readonly migrated: readonly string[];
  /** NetworkPolicies rewritten in place (`ns/name`): the new file replaces them. */
  readonly replacedPolicies: readonly string[];
  readonly edge: EdgePods;
}

export type { Doc, FilePlan, Unsupported };

export const MIGRATED_FROM = 'meshless.dev/migrated-from';
export const MANAGED = { 'app.kubernetes.io/managed-by': 'meshless' } as const;

/** `admin.example.com` → `admin-example-com` (a DNS label fragment). */
export function slug(host: string): string {
  return host.replace(/^\*\./, 'wildcard.').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** A Kubernetes object name of at most 63 characters. */
export function objectName(...parts: string[]): string {
  const n = parts.filter((p) => p !== '').join('-');
  return n.length <= 63 ? n : n.slice(0, 63).replace(/-+$/, '');
}
