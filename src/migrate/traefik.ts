/**
 * ingress-nginx → Traefik (traefik.io/v1alpha1): one IngressRoute per Ingress
 * host, a forwardAuth Middleware per Ingress that had auth-url, the sign-in
 * (errors) Middleware for auth-signin, redirectScheme routes for ssl-redirect,
 * and cert-manager Certificates that keep renewing the Ingresses' Secrets.
 *
 * Traefik semantics (Middleware reference):
 * - forwardAuth `address` receives a copy of each request; a 2xx lets it through,
 *   anything else is returned to the client; `authResponseHeaders` are copied from
 *   the answer onto the forwarded request; `trustForwardHeader: false` (the default,
 *   written out) makes Traefik set X-Forwarded-* itself instead of trusting the client's.
 * - `errors` replaces a 401 from the middlewares after it with a page from a service
 *   (oauth2-proxy's `/oauth2/sign_in?rd={url}`): the documented oauth2-proxy pattern.
 *   Its `service` in another namespace needs `providers.kubernetesCRD.allowCrossNamespace`.
 * - `PathPrefix` is a string prefix: `/api` also matches `/apix`. ingress-nginx's
 *   Prefix matches path elements, so `/api` becomes `Path(/api) || PathPrefix(/api/)`.
 */
import type { ICertificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import type { Inventory } from '../model/inventory.js';
import { containersOf, workloads } from '../exposure/index.js';
import type { Obj } from '../generate/platform.js';
import type { Doc, FilePlan } from '../generate/yaml.js';
import type { IngressPlan, PathRule, Unsupported } from './read.js';
import { MANAGED, MIGRATED_FROM, objectName, slug, type EdgePods } from './types.js';

const API = 'traefik.io/v1alpha1';
const TRAEFIK_IMAGE = /(^|\/)traefik(:|@|$)/;

/** Traefik's pods: the ones in the input, or a stand-in for the Helm chart's Deployment. */
export function traefikPods(inv: Inventory): EdgePods {
  const w = workloads(inv).find((o) => containersOf(o).some((c) => TRAEFIK_IMAGE.test(c.image.toLowerCase())));
  const e = w ? inv.endpoints.find((x) => x.source === w.source) : undefined;
  if (e) {
    const keep = Object.fromEntries(Object.entries(e.labels).filter(([k]) => k !== 'pod-template-hash' && k !== 'helm.sh/chart' && k !== 'app.kubernetes.io/version'));
    const ports = e.ports.filter((p) => p.name === 'web' || p.name === 'websecure').map((p) => ({ name: p.name!, port: p.port }));
    return { namespace: e.namespace, labels: keep, ports: ports.length > 0 ? ports : [{ name: 'web', port: 8000 }, { name: 'websecure', port: 8443 }], inInput: true, name: e.name };
  }
  return { namespace: 'traefik', labels: { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-traefik' }, ports: [{ name: 'web', port: 8000 }, { name: 'websecure', port: 8443 }], inInput: false, name: 'traefik' };
}

function bt(s: string): string {
  return `\`${s}\``;
}

function pathMatch(r: PathRule): string {
  if (r.pathType === 'Exact') return `Path(${bt(r.path)})`;
  if (r.path === '/' || r.path === '') return `PathPrefix(${bt('/')})`;
  const p = r.path.replace(/\/+$/, '');
  return `(Path(${bt(p)}) || PathPrefix(${bt(`${p}/`)}))`;
}

export function renderTraefik(plans: readonly IngressPlan[], unsupported: Unsupported[]): FilePlan[] {
  const routeDocs: Doc[] = [];
  const mwDocs: Doc[] = [];
  const tlsDocs: Doc[] = [];
  for (const p of plans) {
    const from = `Ingress ${p.namespace}/${p.name}`;
    const meta = (name: string): Obj => ({ name, namespace: p.namespace, labels: { ...MANAGED }, annotations: { [MIGRATED_FROM]: from } });
    const middlewares: { name: string }[] = [];
    if (p.auth) {
      if (p.auth.signin && p.auth.service) {
        const name = objectName(p.name, 'oauth2-sign-in');
        middlewares.push({ name });
        mwDocs.push({
          comment: `auth-signin ${p.auth.signin}: a 401 from oauth2-proxy is answered with its sign-in page, which returns to the original URL ({url}). The service is in ${p.auth.service.namespace}: Traefik needs providers.kubernetesCRD.allowCrossNamespace=true.`,
          object: { apiVersion: API, kind: 'Middleware', metadata: meta(name), spec: { errors: { status: ['401'], service: { name: p.auth.service.name, namespace: p.auth.service.namespace, port: p.auth.service.port }, query: '/oauth2/sign_in?rd={url}' } } },
        });
      } else if (p.auth.signin) {
        unsupported.push({ ingress: from, file: p.object.source.file, line: p.object.source.line, annotation: 'nginx.ingress.kubernetes.io/auth-signin', value: p.auth.signin, action: 'the sign-in redirect is not carried (the authentication service is not an in-cluster Service): add an errors Middleware that serves its sign-in page on 401' });
      }
      const name = objectName(p.name, 'oauth2-proxy');
      middlewares.push({ name });
      mwDocs.push({
        comment: `auth-url: every request is first sent to ${p.auth.url}; only a 2xx answer lets it through${p.auth.responseHeaders.length ? `, with ${p.auth.responseHeaders.join(', ')} copied onto it` : ''}.`,
        object: {
          apiVersion: API,
          kind: 'Middleware',
          metadata: meta(name),
          spec: { forwardAuth: { address: p.auth.url, trustForwardHeader: false, ...(p.auth.responseHeaders.length > 0 ? { authResponseHeaders: [...p.auth.responseHeaders] } : {}) } },
        },
      });
    }
    const redirectHosts = p.hosts.filter((h) => h.redirect).map((h) => h.host);
    if (redirectHosts.length > 0) {
      const name = objectName(p.name, 'https-redirect');
      mwDocs.push({ comment: 'ssl-redirect / force-ssl-redirect: plain HTTP is redirected to https (permanent).', object: { apiVersion: API, kind: 'Middleware', metadata: meta(name), spec: { redirectScheme: { scheme: 'https', permanent: true } } } });
      routeDocs.push({
        comment: `http://${redirectHosts.join(', http://')} → https.`,
        object: {
          apiVersion: API,
          kind: 'IngressRoute',
          metadata: meta(name),
          spec: { entryPoints: ['web'], routes: [{ kind: 'Rule', match: redirectHosts.map((h) => `Host(${bt(h)})`).join(' || '), middlewares: [{ name }], services: [{ kind: 'TraefikService', name: 'noop@internal' }] }] },
        },
      });
    }
    const strip = p.rewriteToRoot ? objectName(p.name, 'strip-prefix') : undefined;
    if (strip) {
      const prefixes = [...new Set(p.hosts.flatMap((h) => h.paths.filter((r) => r.pathType === 'Prefix' && r.path !== '/').map((r) => r.path)))].sort();
      mwDocs.push({ comment: 'rewrite-target "/": the matched prefix is removed before the request goes on.', object: { apiVersion: API, kind: 'Middleware', metadata: meta(strip), spec: { stripPrefix: { prefixes } } } });
    }
    for (const h of p.hosts) {
      const name = p.hosts.length === 1 ? p.name : objectName(p.name, slug(h.host));
      if (h.tlsSecret && !h.redirect) {
        unsupported.push({ ingress: from, file: p.object.source.file, line: p.object.source.line, annotation: 'nginx.ingress.kubernetes.io/ssl-redirect', value: 'false', action: `plain HTTP for ${h.host} is not carried (the IngressRoute is on websecure only): add the web entry point if clients truly need http://` });
      }
      routeDocs.push({
        comment: `${h.tlsSecret ? 'https' : 'http'}://${h.host}: ${h.paths.map((r) => `${r.path} (${r.pathType}) → ${r.service}:${r.port}`).join(', ')} — from ${from}.`,
        object: {
          apiVersion: API,
          kind: 'IngressRoute',
          metadata: { ...meta(name), annotations: { [MIGRATED_FROM]: from, ...p.publicMarking } },
          spec: {
            entryPoints: [h.tlsSecret ? 'websecure' : 'web'],
            routes: h.paths.map((r) => ({
              kind: 'Rule',
              match: `Host(${bt(h.host)}) && ${pathMatch(r)}`,
              ...(middlewares.length > 0 || (strip && r.pathType === 'Prefix' && r.path !== '/') ? { middlewares: [...middlewares, ...(strip && r.pathType === 'Prefix' && r.path !== '/' ? [{ name: strip }] : [])] } : {}),
              services: [{ kind: 'Service', name: r.service, port: r.port }],
            })),
            ...(h.tlsSecret ? { tls: { secretName: h.tlsSecret } } : {}),
          },
        },
      });
    }
    if (p.issuer) {
      const bySecret = new Map<string, string[]>();
      for (const h of p.hosts) if (h.tlsSecret) (bySecret.get(h.tlsSecret) ?? bySecret.set(h.tlsSecret, []).get(h.tlsSecret)!).push(h.host);
      for (const [secret, hosts] of bySecret) {
        const cert: ICertificate = {
          apiVersion: 'cert-manager.io/v1',
          kind: 'Certificate',
          metadata: { name: secret, namespace: p.namespace, labels: { ...MANAGED }, annotations: { [MIGRATED_FROM]: from } },
          spec: { secretName: secret, dnsNames: [...hosts].sort(), issuerRef: { group: 'cert-manager.io', kind: p.issuer.kind, name: p.issuer.name } },
        };
        tlsDocs.push({ comment: `cert-manager created this Certificate for the Ingress and deletes it with the Ingress: declared here it keeps renewing Secret ${p.namespace}/${secret}.`, object: cert as unknown as Obj });
      }
    }
  }
  const files: FilePlan[] = [];
  if (tlsDocs.length > 0) files.push({ path: 'tls.yaml', title: 'Certificates that keep renewing the Secrets the Ingresses used.', docs: tlsDocs });
  files.push({ path: 'middlewares.yaml', title: 'Traefik Middlewares: oauth2-proxy forwardAuth and sign-in, redirects.', docs: mwDocs });
  files.push({ path: 'ingressroutes.yaml', title: 'Traefik IngressRoutes: one per Ingress host, and the HTTP → HTTPS redirects.', docs: routeDocs });
  return files;
}
