import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { defineCheck, type FindingDraft } from './types.js';
import { containersOf, describe, field, findObject, flagValue, isOAuth2ProxyImage, list, nsOf, oauth2ProxyWorkloads, podSpecOf, str, type ContainerAt } from '../exposure/index.js';
import { isRecord } from '../model/json.js';
import { mountedConfig } from './oauth2-proxy.js';

const bad = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: oauth2-proxy
  namespace: auth
spec:
  selector:
    matchLabels:
      app: oauth2-proxy
  template:
    metadata:
      labels:
        app: oauth2-proxy
    spec:
      containers:
        - name: oauth2-proxy
          image: quay.io/oauth2-proxy/oauth2-proxy:v7.7.1
          args:
            - --provider=oidc
            - --upstream=static://202
            - --reverse-proxy=true
`;

const good = bad.replace('            - --reverse-proxy=true\n', '            - --reverse-proxy=true\n            - --set-authorization-header=true\n');

const ENV = 'OAUTH2_PROXY_SET_AUTHORIZATION_HEADER';
const CONFIG_LINE = /^\s*set_authorization_header\s*=\s*"?true"?\s*$/im;
const ALPHA_AUTHORIZATION = /injectResponseHeaders:[\s\S]*?-\s*name:\s*["']?authorization["']?\s*$/im;

function dataValues(o: LoadedObject): string[] {
  const out: string[] = [];
  const data = field(o.object, 'data');
  if (isRecord(data)) for (const v of Object.values(data)) if (typeof v === 'string') out.push(o.object.kind === 'Secret' ? decode(v) : v);
  const sdata = field(o.object, 'stringData');
  if (isRecord(sdata)) for (const v of Object.values(sdata)) if (typeof v === 'string') out.push(v);
  return out;
}

/** Secret data is base64; undecodable values are compared as they are. */
function decode(v: string): string {
  try {
    return typeof atob === 'function' ? atob(v) : v;
  } catch {
    return v;
  }
}

/** Where the container turns the Authorization header on, or `off` when it is explicitly off, or undefined. */
function authorizationHeader(inv: Inventory, w: LoadedObject, c: ContainerAt): 'on' | 'off' | undefined {
  const flag = flagValue(c.container, 'set-authorization-header');
  if (flag !== undefined) return flag === '' || flag.toLowerCase() === 'true' ? 'on' : 'off';
  for (const e of list(c.container['env'])) {
    if (field(e, 'name') !== ENV) continue;
    const v = field(e, 'value');
    if (typeof v === 'string') return v.toLowerCase() === 'true' ? 'on' : 'off';
    const ref = field(e, 'valueFrom', 'configMapKeyRef');
    if (isRecord(ref)) {
      const cm = findObject(inv, 'ConfigMap', nsOf(w), str(ref['name']) ?? '');
      const val = cm ? field(cm.object, 'data', str(ref['key']) ?? '') : undefined;
      if (typeof val === 'string') return val.toLowerCase() === 'true' ? 'on' : 'off';
    }
    // From a Secret or the downward API: the value is not in the input; assume it is set on purpose.
    return 'on';
  }
  for (const ef of list(c.container['envFrom'])) {
    const name = str(field(ef, 'configMapRef', 'name'));
    const cm = name ? findObject(inv, 'ConfigMap', nsOf(w), name) : undefined;
    const val = cm ? field(cm.object, 'data', ENV) : undefined;
    if (typeof val === 'string') return val.toLowerCase() === 'true' ? 'on' : 'off';
  }
  const usesConfig = flagValue(c.container, 'config') !== undefined;
  const usesAlpha = flagValue(c.container, 'alpha-config') !== undefined;
  if (usesConfig || usesAlpha) {
    for (const o of mountedConfig(inv, w)) {
      for (const text of dataValues(o)) {
        if (usesConfig && CONFIG_LINE.test(text)) return 'on';
        if (usesAlpha && ALPHA_AUTHORIZATION.test(text)) return 'on';
      }
    }
  }
  return undefined;
}

export default defineCheck({
  id: 'auth-oauth2-proxy-no-authorization-header',
  control: 'authentication',
  title: 'oauth2-proxy does not set the Authorization header',
  severity: 'medium',
  policyReads: 'none',
  rationale:
    'By default oauth2-proxy only says yes or no to the edge; the application never sees who the user is. With --set-authorization-header ' +
    '(env OAUTH2_PROXY_SET_AUTHORIZATION_HEADER, config set_authorization_header) it answers with `Authorization: Bearer <ID token>`, which the ' +
    'edge forwards so the application can do fine-grained access control on the JWT\'s claims instead of implementing OAuth2 itself.',
  fixSummary: 'Add --set-authorization-header=true to the oauth2-proxy container.',
  examples: { bad, good },
  run(ctx) {
    const out: FindingDraft[] = [];
    for (const w of oauth2ProxyWorkloads(ctx.inventory)) {
      for (const c of containersOf(w)) {
        if (!isOAuth2ProxyImage(c.image)) continue;
        const state = authorizationHeader(ctx.inventory, w, c);
        if (state === 'on') continue;
        const name = str(c.container['name']) ?? 'oauth2-proxy';
        const hasArgs = Array.isArray(c.container['args']);
        const ps = podSpecOf(w);
        const nesting = (ps?.path ?? 'spec').split('.');
        const head = nesting.map((k, i) => `${'  '.repeat(i)}${k}:`).join('\n');
        const pad = '  '.repeat(nesting.length);
        out.push({
          object: w,
          path: hasArgs ? `${c.path}.args` : c.path,
          message:
            state === 'off'
              ? `${describe(w)}: container ${name} turns --set-authorization-header off, so applications behind it never get the user's JWT`
              : `${describe(w)}: container ${name} runs oauth2-proxy without --set-authorization-header, so applications behind it never get the user's JWT`,
          fix: `${head}\n${pad}containers:\n${pad}  - name: ${name}\n${pad}    args:\n${pad}      - --set-authorization-header=true`,
        });
      }
    }
    return out;
  },
});
