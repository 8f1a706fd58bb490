/**
 * Checks are data plus a function (STYLE.md): the registry, `meshless checks`,
 * the docs pages and the SARIF rules all come from the same object.
 */
import type { Analysis } from '../netpol/analysis.js';
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import type { EntryPoint } from '../exposure/index.js';

export type { EntryPoint };

/** The four benefits a mesh is adopted for, each checked without one. */
export type Control = 'authentication' | 'ingress-encryption' | 'in-cluster-encryption' | 'segregation';
export const CONTROLS: readonly Control[] = ['authentication', 'ingress-encryption', 'in-cluster-encryption', 'segregation'];

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
/** Higher is worse. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
}

/** `Deployment team-green/reporting`, `Namespace team-green`: how reports name a finding's object. */
export const objectText = (o: ObjectRef): string => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

/** What a check reports: one problem with one object, and how to fix it. */
export interface Finding {
  readonly check: string;
  readonly control: Control;
  readonly severity: Severity;
  readonly object: ObjectRef;
  /** Field path inside the object, when the problem is one field. */
  readonly path?: string;
  /** One line: what is wrong, naming the object. */
  readonly message: string;
  /** Why it matters. */
  readonly why: string;
  /** The concrete change: YAML to add or change, or a command. */
  readonly fix: string;
  /**
   * The whole objects to apply, when the fix is to add or change objects, for tools
   * that apply them (json, sarif): new objects built by the generator's builders (the
   * segregation fixes' NetworkPolicies, which `fix` shows as YAML; a SecurityPolicy,
   * a ClusterIssuer, a Role...), or the finding's own object with the change `fix`
   * shows applied (checks/fix-objects.ts).
   */
  readonly fixObjects?: readonly Record<string, unknown>[];
  /** Requirements this serves, e.g. `PCI-DSS 4.2.1`. */
  readonly requirements: readonly string[];
  /** Set when an annotation or the baseline suppresses it; still counted. */
  readonly suppressed?: { readonly by: 'annotation' | 'baseline'; readonly reason: string };
}

/** What a check's `run` returns for one problem; the runner fills in check, control and location. */
export interface FindingDraft {
  /** The object the finding is about (its source gives file and line). */
  readonly object: LoadedObject | ObjectRef;
  readonly path?: string;
  readonly message: string;
  readonly fix: string;
  /** See Finding.fixObjects. */
  readonly fixObjects?: readonly Record<string, unknown>[];
  /** Overrides the check's default severity (e.g. worse for a public host). */
  readonly severity?: Severity;
  /** Overrides the check's rationale when the case needs its own. */
  readonly why?: string;
}

/** Settings that make checks fit an organisation (config file or flags). */
export interface AuditConfig {
  /** Groups (or users, or service accounts as `system:serviceaccount:ns:name`) allowed to edit NetworkPolicies. */
  readonly networkTeam: readonly string[];
  /** Team names: a namespace named after one of these is flagged. */
  readonly teams: readonly string[];
  /** Regular expressions for namespace names that look like team names. */
  readonly teamNamespacePatterns: readonly string[];
  /** Namespace label selector (`key=value`) that marks namespaces holding data. */
  readonly dataNamespaceLabels: readonly string[];
  /** Whether workloads must be isolated for egress too. */
  readonly requireEgressIsolation: boolean;
}

export const DEFAULT_CONFIG: AuditConfig = {
  networkTeam: [],
  teams: [],
  teamNamespacePatterns: ['^team-', '^squad-', '^tribe-', '-team$', '(^|-)(red|green|blue|yellow|orange|purple|pink|black|white|grey|gray|silver|gold)(-|$)'],
  dataNamespaceLabels: ['meshless.dev/data=true'],
  requireEgressIsolation: true,
};

export interface CheckContext {
  readonly inventory: Inventory;
  /** The NetworkPolicy engine's analysis of the same inventory (computed once, shared). */
  readonly analysis: Analysis;
  readonly config: AuditConfig;
  /** Objects of one kind (any apiVersion), in input order. */
  readonly objectsOfKind: (kind: string) => readonly LoadedObject[];
  /**
   * When set, only findings about objects of these namespaces are asked for (`diff`'s
   * second version, for the checks whose findings are local to a namespace: see
   * `Check.policyReads`). A check may skip the other namespaces; the runner drops what is
   * reported about them. Findings about an object of no namespace are always asked for.
   */
  readonly namespaces?: ReadonlySet<string>;
}

/** The namespace a finding is about: its object's, or the Namespace's own name. */
export function findingNamespace(o: ObjectRef): string | undefined {
  return o.namespace ?? (o.kind === 'Namespace' ? o.name : undefined);
}

/** One check. `id` equals its file name in src/checks/. */
export interface Check {
  readonly id: string;
  readonly control: Control;
  readonly title: string;
  readonly severity: Severity;
  /** Why it matters, in a few sentences. */
  readonly rationale: string;
  /** The fix in one sentence (each finding carries the concrete YAML). */
  readonly fixSummary: string;
  readonly requirements?: readonly string[];
  /**
   * Examples for the docs page, run by the meta-tests: `bad` must produce at
   * least one finding of this check and `good` none. Full manifests (YAML).
   */
  readonly examples: { readonly bad: string; readonly good: string };
  /**
   * What the admission webhook (`meshless guard`) does with a finding of this check:
   * `deny` the object, or `warn` (the default). Declared here, beside the check,
   * so that the guard and the docs cannot disagree about it.
   */
  readonly admission?: 'deny' | 'warn';
  /** Kinds whose absence from the input makes this check unable to say anything. */
  readonly evidence?: readonly string[];
  /**
   * Kinds the check reasons about by their absence ("no policy isolates this pod"):
   * when the input could not include one (a cluster that refused to list it), the
   * check does not run, so that it never makes a finding up from a gap in the input.
   */
  readonly requires?: readonly string[];
  /**
   * What the check reads of the NetworkPolicies and of the engine's answers: `none`,
   * nothing; `isolation`, only which pods they isolate, per direction; `namespace`, what
   * it finds about an object depends, of all the policies, only on the NetworkPolicies of
   * the object's own namespace (of the namespace itself, for a Namespace). Unset: anything.
   * When only NetworkPolicies changed, `diff` does not run the `none` and `isolation`
   * checks again on the second version if no pod's isolation changed (their findings are
   * the same in both), and runs the `namespace` checks only for the namespaces whose
   * policies changed (`CheckContext.namespaces`). A meta-test holds every declaration to
   * what the check reads, and a property test holds the diff to the one that runs every
   * check in full.
   */
  readonly policyReads?: 'none' | 'isolation' | 'namespace';
  readonly run: (ctx: CheckContext) => readonly FindingDraft[];
}

/** A check, keeping its id as a literal type (the registry derives CheckId from it). */
export function defineCheck<const Id extends string>(c: Check & { readonly id: Id }): Check & { readonly id: Id } {
  return c;
}


/** What the input says about node-to-node encryption. */
export interface CniStatus {
  /** `calico`, `flannel`, `cilium`, or undefined when the input does not show the CNI. */
  readonly cni?: string;
  readonly encryption: 'wireguard' | 'ipsec' | 'none' | 'unknown';
  /** The object that shows it. */
  readonly evidence?: LoadedObject;
  /** One sentence, e.g. which object to include when unknown. */
  readonly note: string;
}
