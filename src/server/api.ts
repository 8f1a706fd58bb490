/**
 * The JSON the `meshless serve` API speaks. Types only: the server builds these,
 * the browser (src/ui) reads them, and neither can drift from the other.
 */

import type { InputDigest, LoadProgress } from '../load/types.js';

export type ControlId = 'authentication' | 'ingress-encryption' | 'in-cluster-encryption' | 'segregation';
export type ControlState = 'pass' | 'partial' | 'fail' | 'unknown';
export type Change = 'added' | 'removed' | 'changed';

export interface ApiControl {
  readonly status: ControlState;
  readonly findings: number;
  readonly suppressed: number;
  readonly note: string;
  readonly requirements: readonly string[];
}

/** An input file's size and SHA-256. */
export type ApiInput = InputDigest;

export interface ApiNamespace {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly workloads: number;
  /** Workloads not isolated for ingress / for egress. */
  readonly ingressOpen: number;
  readonly egressOpen: number;
  /** Workloads reachable from outside through an entry point. */
  readonly exposed: number;
  /** Open findings on the namespace or on objects in it. */
  readonly findings: number;
}

export interface ApiWorkload {
  /** The workload id as `reach --level workload` prints it. */
  readonly id: string;
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly pods: number;
  readonly ingressIsolated: boolean;
  readonly egressIsolated: boolean;
  readonly exposed: boolean;
  readonly authenticated: boolean | null;
  readonly tls: boolean | null;
  readonly file: string;
  readonly line: number;
  /** Open findings on the workload itself or on a route to it. */
  readonly findings: number;
}

/** An outside peer: a piece of the address space every ipBlock agrees on. */
export interface ApiPeer {
  readonly id: string;
  /** A short name for the graph (`internet`, `10.0.0.2/32`, ...). */
  readonly label: string;
  readonly cidrs: readonly string[];
  readonly internet: boolean;
}

export interface ApiEdge {
  readonly from: string;
  readonly to: string;
  readonly ports: readonly string[];
  /** Diff mode only: how this connection differs from the old version. */
  readonly change?: Change;
  /** Diff mode, `changed`: the ports before. */
  readonly before?: readonly string[];
}

export interface ApiEntryPoint {
  /** `entry:` + host + path. */
  readonly id: string;
  readonly host: string;
  readonly path?: string;
  readonly via: string;
  readonly route: { readonly kind: string; readonly namespace?: string; readonly name: string; readonly file: string; readonly line: number };
  readonly service: { readonly namespace: string; readonly name: string };
  readonly workloads: readonly string[];
  readonly authenticated: boolean;
  readonly authBy?: string;
  readonly publicReason?: string;
  readonly tls: boolean;
  readonly tlsBy?: string;
}

export interface ApiFinding {
  /** Index in the model's findings list. */
  readonly id: number;
  readonly check: string;
  readonly control: ControlId;
  readonly severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  readonly object: { readonly kind: string; readonly namespace?: string; readonly name: string; readonly file?: string; readonly line?: number };
  readonly path?: string;
  readonly message: string;
  readonly why: string;
  readonly fix: string;
  readonly requirements: readonly string[];
  readonly suppressed?: { readonly by: string; readonly reason: string };
  /** Workloads the finding is about (the object itself, or the backends of a route). */
  readonly workloads: readonly string[];
  readonly namespace?: string;
}

export interface ApiDiagnostic {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
  readonly where?: string;
  readonly hint?: string;
}

export interface ApiModel {
  readonly meta: {
    readonly tool: string;
    readonly version: string;
    /** What was loaded: files with hashes, or the cluster. */
    readonly source: 'files' | 'cluster';
    readonly inputs: readonly ApiInput[];
    readonly loadedAt: string;
    /** Increases with every reload. */
    readonly generation: number;
    /** The first view of a large cluster: no audit yet (controls, cni null; findings, entry points empty). */
    readonly partial: boolean;
    readonly objects: { readonly read: number; readonly used: number };
    readonly workloadCount: number;
    readonly policyCount: number;
    /** More workloads than the UI draws at once: start at namespace level, load workloads per namespace. */
    readonly large: boolean;
    readonly podNetwork: string;
    /** Diff mode: the two versions compared (paths as given). */
    readonly diff: { readonly old: readonly string[]; readonly new: readonly string[] } | null;
    /** Loading problems; a failed reload keeps the last good model and says so here. */
    readonly diagnostics: readonly ApiDiagnostic[];
    readonly reloadError?: string;
  };
  readonly controls: Readonly<Record<ControlId, ApiControl>> | null;
  readonly cni: { readonly cni?: string; readonly encryption: string; readonly note: string } | null;
  readonly namespaces: readonly ApiNamespace[];
  readonly external: readonly ApiPeer[];
  /** Allowed connections between namespaces (and outside peers). */
  readonly namespaceEdges: readonly ApiEdge[];
  /** Every workload and workload-level connection; null when `large` (ask /api/workloads). */
  readonly workloads: readonly ApiWorkload[] | null;
  readonly workloadEdges: readonly ApiEdge[] | null;
  readonly entryPoints: readonly ApiEntryPoint[];
  readonly findings: readonly ApiFinding[];
}

/** `/api/workloads?ns=a,b`: the workloads of some namespaces and every connection touching them. */
export interface ApiWorkloads {
  readonly generation: number;
  readonly namespaces: readonly string[];
  readonly workloads: readonly ApiWorkload[];
  readonly edges: readonly ApiEdge[];
}

/** `/api/pairs?from=&to=`: the workload pairs behind one namespace-level connection. */
export interface ApiPairs {
  readonly from: string;
  readonly to: string;
  readonly pairs: readonly ApiEdge[];
  readonly truncated: boolean;
}

export interface ApiSource {
  readonly file: string;
  readonly text: string;
}

export interface ApiError {
  readonly error: string;
}

/** Where a load is: what a page waiting for a large input can say meanwhile. */
export type { LoadProgress };

/** A `progress` event on /api/events: the phase, and the generation the model will have when this load is done. */
export type ApiProgress = LoadProgress & { readonly generation: number };
