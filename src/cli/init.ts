/**
 * `meshless init`: a commented starter spec. On a terminal it asks a few
 * questions; scripts give flags (and --yes for the defaults). The result is
 * validated before it is written, and an existing file is never overwritten
 * without --force.
 */
import { access, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse as parseYaml } from 'yaml';
import { parseSpec, formatPath } from '../generate/spec.js';
import { INGRESS_NGINX_RETIRED } from '../generate/edge-ingress-nginx.js';
import { EXIT, UsageError, oneOf, parse, type Io } from './common.js';

export const initHelp = `Usage: meshless init [-o meshless.yaml] [--domain D] [--edge gateway-api|ingress-nginx]
                     [--cni calico|flannel|cilium] [--email E] [--oidc-issuer URL]
                     [--api-server CIDR] [--yes] [--force]

Writes a commented starter spec for meshless generate. On a terminal it asks
for what is not given; otherwise give the flags, or --yes to take the defaults.

Options:
  -o, --output FILE     where to write it (default meshless.yaml)
  --domain DOMAIN       public DNS domain (default example.com)
  --edge TYPE           gateway-api (default, Envoy Gateway) or ingress-nginx (retired)
  --cni CNI             calico (default), flannel or cilium
  --email EMAIL         ACME contact (default platform-team@DOMAIN)
  --oidc-issuer URL     the OIDC provider's issuer URL (default https://login.DOMAIN)
  --api-server CIDR     control-plane addresses, where kube-apiserver listens (default 10.0.0.0/24)
  -y, --yes             do not ask: defaults for everything not given
  --force               overwrite an existing file

Exit codes: 0 written, 2 usage error or the file exists, 3 internal error.`;

export interface InitAnswers {
  readonly domain: string;
  readonly edge: 'gateway-api' | 'ingress-nginx';
  readonly cni: 'calico' | 'flannel' | 'cilium';
  readonly email: string;
  readonly oidcIssuer: string;
  readonly apiServer: string;
}

/** The starter spec: every section present, with comments that say what to change. */
export function starterSpec(a: InitAnswers): string {
  const name = a.domain.split('.')[0]!.replace(/[^a-z0-9-]/g, '') || 'platform';
  return `# meshless Platform spec: the services and the four controls a mesh is
# adopted for. meshless generate -c meshless.yaml -o deploy/ writes every
# manifest from it; meshless schema prints its JSON Schema for your editor.
# Reference: docs/spec.md.
apiVersion: meshless.dev/v1alpha1
kind: Platform
name: ${name}
domain: ${a.domain}

# The edge: gateway-api (Envoy Gateway) or ingress-nginx (retired in March 2026).
edge:
  type: ${a.edge}

# Edge TLS: Let's Encrypt through cert-manager. Try with acme: staging first.
tls:
  email: ${a.email}
  acme: production
  solver: http01

# Authentication at the edge: oauth2-proxy in front of every exposed service.
# The two Secrets must exist in namespace auth (create them out of band):
#   kubectl -n auth create secret generic oauth2-proxy \\
#     --from-literal=client-secret=... --from-literal=cookie-secret=$(openssl rand -base64 32 | head -c 32)
auth:
  oidc:
    issuerUrl: ${a.oidcIssuer}
    clientId: ${name}
    clientSecretRef: { name: oauth2-proxy, key: client-secret }
    cookieSecretRef: { name: oauth2-proxy, key: cookie-secret }
  emailDomains: [${a.domain}]
  # allowedGroups: [staff]   # needs the groups claim (auth.oidc.scope: openid email profile groups)

# In-cluster encryption: WireGuard between nodes, in the CNI.
encryption:
  cni: ${a.cni}
  mode: wireguard

# What the NetworkPolicies need to know about the cluster.
cluster:
  podCidr: 10.244.0.0/16
  apiServer: [${a.apiServer}]   # control-plane addresses (kube-apiserver)
  # dns:
  #   upstream: [10.0.0.2/32]   # resolvers CoreDNS forwards to (default: any, on 53)

# Only the network team edits NetworkPolicies; app teams deploy their services.
teams:
  network: network-team
  apps:
    - name: web
      group: app-team-web
      services: [frontend, api]

# Each service becomes a namespace named by what it provides. Flows are the
# connections it opens; everything else is denied.
services:
  - name: frontend
    ports: [8080]
    expose:
      host: www.${a.domain}
      port: 8080
      # public: true
      # publicReason: "why anyone on the internet may use it"
    flows:
      - { to: api, port: 8080 }

  - name: api
    ports: [8080]
    # egress:
    #   - to: [203.0.113.0/24]   # a partner's addresses
    #     ports: [443]
`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

type Input = NodeJS.ReadableStream & { isTTY?: boolean };

export async function runInit(args: readonly string[], io: Io, input: Input = process.stdin): Promise<number> {
  const { values, positionals } = parse(args, {
    domain: { type: 'string' },
    edge: { type: 'string' },
    cni: { type: 'string' },
    email: { type: 'string' },
    'oidc-issuer': { type: 'string' },
    'api-server': { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    force: { type: 'boolean' },
  });
  if (values['help']) {
    io.out(initHelp);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}; give the file with -o FILE`);
  const file = typeof values['output'] === 'string' ? values['output'] : 'meshless.yaml';
  if ((await exists(file)) && values['force'] !== true) {
    io.err(`${file} exists; not overwriting it. Use --force to replace it, or -o FILE to write elsewhere.`);
    return EXIT.usage;
  }
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? values[k] : undefined);
  const interactive = values['yes'] !== true && io.isTTY && input.isTTY === true;

  const asked = new Map<string, string>();
  if (interactive) {
    const rl = createInterface({ input, terminal: false });
    const lines = rl[Symbol.asyncIterator]();
    const ask = async (key: string, question: string, def: string): Promise<void> => {
      if (str(key) !== undefined) return;
      io.err(`${question} [${def}]:`);
      const r = await lines.next();
      const answer = r.done === true ? '' : r.value.trim();
      asked.set(key, answer === '' ? def : answer);
    };
    try {
      await ask('domain', 'Public DNS domain', 'example.com');
      const domain = str('domain') ?? asked.get('domain')!;
      await ask('edge', 'Edge: gateway-api (Envoy Gateway) or ingress-nginx (retired)', 'gateway-api');
      await ask('cni', 'CNI: calico, flannel or cilium', 'calico');
      await ask('email', "Contact e-mail for Let's Encrypt", `platform-team@${domain}`);
      await ask('oidc-issuer', 'OIDC issuer URL', `https://login.${domain}`);
      await ask('api-server', 'Control-plane addresses (kube-apiserver), a CIDR', '10.0.0.0/24');
    } finally {
      rl.close();
    }
  } else if (values['yes'] !== true) {
    const missing = ['domain', 'email', 'oidc-issuer', 'api-server'].filter((k) => str(k) === undefined);
    if (missing.length > 0) throw new UsageError(`not a terminal, so nothing can be asked: give ${missing.map((m) => `--${m}`).join(', ')}, or --yes for the defaults`);
  }
  const get = (k: string): string | undefined => str(k) ?? asked.get(k);
  const domain = (get('domain') ?? 'example.com').toLowerCase();
  const answers: InitAnswers = {
    domain,
    edge: oneOf(get('edge'), ['gateway-api', 'ingress-nginx'] as const, '--edge', 'gateway-api'),
    cni: oneOf(get('cni'), ['calico', 'flannel', 'cilium'] as const, '--cni', 'calico'),
    email: get('email') ?? `platform-team@${domain}`,
    oidcIssuer: get('oidc-issuer') ?? `https://login.${domain}`,
    apiServer: get('api-server') ?? '10.0.0.0/24',
  };
  const text = starterSpec(answers);
  const check = parseSpec(parseYaml(text));
  if (!check.ok) {
    for (const p of check.problems) io.err(`${formatPath(p.path)}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
    throw new UsageError('the answers do not make a valid spec; nothing was written');
  }
  await writeFile(file, text);
  io.err(`wrote ${file}. Next: edit the services, then ${io.prog} generate -c ${file} -o deploy/`);
  if (answers.edge === 'ingress-nginx') io.err(`note: ${INGRESS_NGINX_RETIRED}`);
  return EXIT.ok;
}
