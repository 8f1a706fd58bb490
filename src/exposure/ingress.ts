/**
 * Kubernetes Ingress (`networking.k8s.io/v1`, and the older `extensions`): which
 * controller serves it (`spec.ingressClassName`, the older
 * `kubernetes.io/ingress.class` annotation, the IngressClass's `spec.controller`,
 * or the default class `ingressclass.kubernetes.io/is-default-class`), its
 * backends (`spec.rules[].http.paths[].backend.service`, `spec.defaultBackend`),
 * its TLS (`spec.tls[].hosts` and `secretName`, cert-manager annotations,
 * Traefik's `router.tls`) and its authentication, read by the controller's own
 * rules (ingress-nginx.ts, traefik.ts).
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { isRecord } from '../model/json.js';
import { entry, type Builder } from './builder.js';
import { hostCovers } from './hosts.js';
import { INGRESS_NGINX_CONTROLLER, ingressNginxAuth } from './ingress-nginx.js';
import { ofKind } from './lookup.js';
import { annotation, field, list, nsOf, str } from './objects.js';
import { certManagerIssuerOf, secretEvidence } from './tls.js';
import { TRAEFIK_CONTROLLER, TRAEFIK_ROUTER, traefikIngressAuth } from './traefik.js';
import type { AuthResult } from './types.js';
import { INGRESS_NGINX, TRAEFIK, UNKNOWN_EDGE } from './vocabulary.js';

/** The controller an IngressClass names, in this model's vocabulary. */
function edgeOfController(controller: string): string {
  if (controller === INGRESS_NGINX_CONTROLLER) return INGRESS_NGINX;
  if (controller === TRAEFIK_CONTROLLER || controller.startsWith('traefik.io/')) return TRAEFIK;
  return controller;
}

function edgeOfClassName(inv: Inventory, className: string): string {
  const cls = ofKind(inv, 'IngressClass').find((c) => c.object.metadata.name === className);
  const controller = cls ? str(field(cls.object, 'spec', 'controller')) : undefined;
  if (controller) return edgeOfController(controller);
  // No IngressClass in the input: go by the conventional class names.
  if (/traefik/i.test(className)) return TRAEFIK;
  if (/nginx/i.test(className)) return INGRESS_NGINX;
  return className;
}

/**
 * Which edge serves an Ingress: its class (`spec.ingressClassName`, or the older
 * `kubernetes.io/ingress.class` annotation) and that class's controller. Without a
 * class, Kubernetes gives the Ingress the cluster's default IngressClass (the one
 * annotated `ingressclass.kubernetes.io/is-default-class: "true"`); when the input
 * shows none, the controller is unknown — annotations written for one controller do
 * not say which controller picks the Ingress up.
 */
export function ingressEdge(inv: Inventory, ing: LoadedObject): string {
  const className = str(field(ing.object, 'spec', 'ingressClassName')) ?? annotation(ing, 'kubernetes.io/ingress.class');
  if (className) return edgeOfClassName(inv, className);
  const def = defaultIngressClass(inv);
  if (def) return edgeOfClassName(inv, def.object.metadata.name);
  return UNKNOWN_EDGE;
}

/** The IngressClass marked as the cluster default, when the input has one. */
export function defaultIngressClass(inv: Inventory): LoadedObject | undefined {
  return ofKind(inv, 'IngressClass').find((c) => annotation(c, 'ingressclass.kubernetes.io/is-default-class') === 'true');
}

function ingressAuth(b: Builder, ing: LoadedObject, via: string): AuthResult {
  if (via === INGRESS_NGINX) return ingressNginxAuth(ing, b.nginxGlobalAuth);
  if (via === TRAEFIK) return traefikIngressAuth(b.inv, ing);
  return { authenticated: false };
}

function ingressBackend(backend: unknown, ns: string): { namespace: string; name: string; port?: number | string } | undefined {
  const svc = field(backend, 'service');
  const name = str(field(svc, 'name')) ?? str(field(backend, 'serviceName'));
  if (!name) return undefined;
  const port = field(svc, 'port', 'number') ?? field(svc, 'port', 'name') ?? field(backend, 'servicePort');
  return typeof port === 'number' || typeof port === 'string' ? { namespace: ns, name, port } : { namespace: ns, name };
}

export function addIngress(b: Builder, ing: LoadedObject): void {
  const via = ingressEdge(b.inv, ing);
  const ns = nsOf(ing);
  const auth = ingressAuth(b, ing, via);
  const issuer = certManagerIssuerOf(ing);
  const tlsEntries = list(field(ing.object, 'spec', 'tls')).filter(isRecord);
  const traefikTls = via === TRAEFIK && annotation(ing, `${TRAEFIK_ROUTER}tls`) === 'true';
  const resolver = via === TRAEFIK ? str(annotation(ing, `${TRAEFIK_ROUTER}tls.certresolver`)) : undefined;
  const tlsFor = (host: string): { tls: boolean; tlsBy?: string } => {
    // A tls entry without hosts covers every host of the Ingress (the controller's wildcard).
    const t = tlsEntries.find((e) => {
      const hosts = list(e['hosts']).filter((h): h is string => typeof h === 'string');
      return hosts.length === 0 || hosts.some((h) => hostCovers(h, host));
    });
    if (!t && !traefikTls) return { tls: false };
    const secret = t ? str(t['secretName']) : undefined;
    const by = issuer
      ? `cert-manager ${issuer.kind} ${issuer.name}${secret ? ` (Secret ${ns}/${secret})` : ''}`
      : resolver
        ? `Traefik certResolver ${resolver}`
        : secret
          ? secretEvidence(b.inv, ns, secret)
          : 'the controller default certificate';
    return { tls: true, tlsBy: by };
  };
  const defaultBackend = ingressBackend(field(ing.object, 'spec', 'defaultBackend') ?? field(ing.object, 'spec', 'backend'), ns);
  if (defaultBackend) {
    const path = field(ing.object, 'spec', 'defaultBackend') !== undefined ? 'spec.defaultBackend' : 'spec.backend';
    entry(b, ing, via, '*', undefined, defaultBackend, auth, tlsFor('*'), { path });
  }
  list(field(ing.object, 'spec', 'rules')).forEach((rule, ri) => {
    const host = str(field(rule, 'host')) ?? '*';
    const hostPath = str(field(rule, 'host')) ? `spec.rules[${ri}].host` : `spec.rules[${ri}]`;
    const paths = list(field(rule, 'http', 'paths'));
    if (paths.length === 0 && defaultBackend && host !== '*') {
      entry(b, ing, via, host, undefined, defaultBackend, auth, tlsFor(host), { path: hostPath });
    }
    for (const p of paths) {
      const svc = ingressBackend(field(p, 'backend'), ns);
      if (!svc) continue;
      entry(b, ing, via, host, str(field(p, 'path')), svc, auth, tlsFor(host), { path: hostPath });
    }
  });
}
