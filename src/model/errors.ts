/**
 * The one error type the core and the loaders throw when they cannot go on. It
 * says what went wrong (`message`), what to do about it (`hint`), and why, as a
 * `code` that adapters map to an exit code or an HTTP status — never by reading
 * the message. Problems that need not stop the run stay diagnostics (values).
 */

/**
 * Every code, and the kind of problem it is:
 * - `usage`: how the command was called (flags, arguments).
 * - `input`: what it was given (a file, a revision, a config, an endpoint name, a cluster).
 * - `environment`: the machine refused (a port in use, an address not ours).
 * - `internal`: a bug in meshless.
 */
export const ERROR_KINDS = {
  usage: 'usage',
  'input-unreadable': 'input',
  'input-invalid': 'input',
  'config-invalid': 'input',
  'baseline-invalid': 'input',
  'git-failed': 'input',
  'cluster-unreachable': 'input',
  // The Kubernetes client (load/kube-client.ts): the kubeconfig, then the API server's answers.
  'kubeconfig-missing': 'input',
  'kubeconfig-unreadable': 'input',
  'kubeconfig-context': 'input',
  'cluster-credentials': 'input',
  'cluster-timeout': 'input',
  'cluster-tls': 'input',
  'cluster-unauthorized': 'input',
  'cluster-forbidden': 'input',
  'cluster-not-found': 'input',
  'cluster-gone': 'input',
  'cluster-error': 'input',
  'unknown-endpoint': 'input',
  'invalid-port': 'input',
  'invalid-cidr': 'input',
  'unknown-check': 'input',
  'port-in-use': 'environment',
  'address-unavailable': 'environment',
  internal: 'internal',
} as const satisfies Record<string, 'usage' | 'input' | 'environment' | 'internal'>;

export type ErrorCode = keyof typeof ERROR_KINDS;
export type ErrorKind = (typeof ERROR_KINDS)[ErrorCode];

export class MeshlessError extends Error {
  override readonly name = 'MeshlessError';
  readonly code: ErrorCode;
  /** What to do about it, in one sentence; printed under the message. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { readonly hint?: string; readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }

  get kind(): ErrorKind {
    return ERROR_KINDS[this.code];
  }
}

export function isMeshlessError(e: unknown, kind?: ErrorKind): e is MeshlessError {
  return e instanceof MeshlessError && (kind === undefined || e.kind === kind);
}
