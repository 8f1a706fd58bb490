/**
 * The community ingress-nginx controller (kubernetes/ingress-nginx, retired in
 * March 2026): IngressClass `spec.controller: k8s.io/ingress-nginx`, its controller
 * image and `--configmap` flag, the ConfigMap's `global-auth-url`, and the
 * `nginx.ingress.kubernetes.io/` annotations that authenticate an Ingress:
 * `auth-url` (external auth, e.g. oauth2-proxy), `auth-type` basic/digest with
 * `auth-secret`, `auth-tls-verify-client` with `auth-tls-secret`, and
 * `enable-global-auth`. https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { findObject, indexOf, ofKind } from './lookup.js';
import { annotation, describe, field, nsOf, str } from './objects.js';
import type { AuthResult } from './types.js';
import { containersOf, flagValue, runsImage, workloads } from './workloads.js';

/** IngressClass `spec.controller` of the community ingress-nginx controller. */
export const INGRESS_NGINX_CONTROLLER = 'k8s.io/ingress-nginx';

export const NGINX = 'nginx.ingress.kubernetes.io/';

export const INGRESS_NGINX_IMAGE = /(^|\/)ingress-nginx\/controller(-chroot)?(:|@|$)|(^|\/)nginx-ingress-controller(:|@|$)/;

/** The community ingress-nginx controller image (registry.k8s.io/ingress-nginx/controller), not NGINX Inc's nginx/nginx-ingress. */
export function isIngressNginxImage(image: string): boolean {
  const i = image.toLowerCase();
  return INGRESS_NGINX_IMAGE.test(i) && !i.includes('nginx/nginx-ingress');
}

/** Workloads running the community ingress-nginx controller. */
export function ingressNginxControllers(inv: Inventory): readonly LoadedObject[] {
  // Asked per entry point by some checks: every workload's containers are read once.
  const idx = indexOf(inv);
  idx.ingressNginxControllers ??= workloads(inv).filter((o) => runsImage(o, isIngressNginxImage));
  return idx.ingressNginxControllers;
}

/** The ConfigMaps of the ingress-nginx controllers (`--configmap=ns/name`), or the chart's default name. */
export function ingressNginxConfigMaps(inv: Inventory): LoadedObject[] {
  const out = new Set<LoadedObject>();
  for (const w of ingressNginxControllers(inv)) {
    for (const c of containersOf(w)) {
      if (!isIngressNginxImage(c.image)) continue;
      const ref = flagValue(c.container, 'configmap');
      if (!ref) continue;
      const [rawNs, name] = ref.includes('/') ? ref.split('/', 2) : [nsOf(w), ref];
      const ns = rawNs === '$(POD_NAMESPACE)' ? nsOf(w) : rawNs;
      const cm = findObject(inv, 'ConfigMap', ns, name ?? '');
      if (cm) out.add(cm);
    }
  }
  if (out.size === 0) {
    for (const cm of ofKind(inv, 'ConfigMap')) {
      const n = cm.object.metadata.name;
      if (n === 'ingress-nginx-controller' || n === 'nginx-configuration') out.add(cm);
    }
  }
  return [...out];
}

/** The global auth of ingress-nginx (`global-auth-url` in its ConfigMap), if any. */
export function nginxGlobalAuth(inv: Inventory): string | undefined {
  for (const cm of ingressNginxConfigMaps(inv)) {
    const url = str(field(cm.object, 'data', 'global-auth-url'));
    if (url) return `global-auth-url ${url} (${describe(cm)})`;
  }
  return undefined;
}

/** What authenticates an Ingress served by ingress-nginx: its annotations, else the controller's global auth (unless the Ingress opts out). */
export function ingressNginxAuth(ing: LoadedObject, globalAuth: string | undefined): AuthResult {
  const url = annotation(ing, `${NGINX}auth-url`);
  if (str(url)) return { authenticated: true, authBy: `auth-url ${url!}` };
  const type = annotation(ing, `${NGINX}auth-type`);
  if ((type === 'basic' || type === 'digest') && str(annotation(ing, `${NGINX}auth-secret`))) return { authenticated: true, authBy: `${type} auth (auth-secret ${annotation(ing, `${NGINX}auth-secret`)!})` };
  const verify = annotation(ing, `${NGINX}auth-tls-verify-client`);
  if ((verify === 'on' || verify === 'true') && str(annotation(ing, `${NGINX}auth-tls-secret`))) return { authenticated: true, authBy: `client certificates (auth-tls-secret ${annotation(ing, `${NGINX}auth-tls-secret`)!})` };
  const global = annotation(ing, `${NGINX}enable-global-auth`) === 'false' ? undefined : globalAuth;
  if (global) return { authenticated: true, authBy: global };
  return { authenticated: false };
}
