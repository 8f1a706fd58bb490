import { defineCheck, type FindingDraft } from './types.js';
import { clusterServiceOfUrl, describe, field, forwardAuthMiddlewares, isOAuth2ProxyImage, list, nsOf, serviceEndpoints, endpointObject, containersOf, str } from '../exposure/index.js';
import { patched } from './fix-objects.js';

const bad = `apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata:
  name: oauth2-proxy
  namespace: backoffice
spec:
  forwardAuth:
    address: http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth
    trustForwardHeader: true
    authResponseHeaders:
      - X-Auth-Request-Email
`;

const good = bad.replace('      - X-Auth-Request-Email\n', '      - X-Auth-Request-Email\n      - Authorization\n');

/** Does the Middleware copy the Authorization header from the auth response? */
function passesAuthorization(headers: readonly string[], regex: string | undefined): boolean {
  if (headers.some((h) => h.toLowerCase() === 'authorization')) return true;
  if (regex === undefined) return false;
  try {
    return new RegExp(regex, 'i').test('Authorization');
  } catch {
    return false;
  }
}

export default defineCheck({
  id: 'auth-traefik-no-authorization-header',
  control: 'authentication',
  title: 'Traefik forwardAuth does not pass Authorization to the application',
  severity: 'medium',
  policyReads: 'none',
  rationale:
    'Traefik\'s forwardAuth copies headers from the authentication response to the request only when authResponseHeaders (or ' +
    'authResponseHeadersRegex) names them. oauth2-proxy returns the user\'s JWT as `Authorization: Bearer ...`; without Authorization in that ' +
    'list the application gets no claims and cannot do its own access control.',
  fixSummary: 'Add Authorization to the Middleware\'s forwardAuth.authResponseHeaders.',
  examples: { bad, good },
  run(ctx) {
    const inv = ctx.inventory;
    const out: FindingDraft[] = [];
    for (const mw of forwardAuthMiddlewares(inv)) {
      const fa = field(mw.object, 'spec', 'forwardAuth');
      const headers = list(field(fa, 'authResponseHeaders')).filter((h): h is string => typeof h === 'string');
      if (passesAuthorization(headers, str(field(fa, 'authResponseHeadersRegex')))) continue;
      const address = str(field(fa, 'address')) ?? '';
      const ref = clusterServiceOfUrl(address, nsOf(mw), inv);
      const toOAuth2Proxy =
        /oauth2[-_]?proxy/i.test(address) ||
        (ref !== undefined && serviceEndpoints(inv, ref.namespace, ref.name).some((e) => {
          const o = endpointObject(inv, e);
          return o !== undefined && containersOf(o).some((c) => isOAuth2ProxyImage(c.image));
        }));
      out.push({
        object: mw,
        path: headers.length > 0 ? 'spec.forwardAuth.authResponseHeaders' : 'spec.forwardAuth',
        message:
          headers.length > 0
            ? `${describe(mw)} copies ${headers.join(', ')} from the authentication response to the request, but not Authorization: applications behind it do not get the user's JWT`
            : `${describe(mw)} copies no header from the authentication response to the request (no authResponseHeaders), so applications behind it do not get the user's JWT in Authorization`,
        fix: `spec:\n  forwardAuth:\n    authResponseHeaders:\n${[...headers, 'Authorization'].map((h) => `      - ${h}`).join('\n')}`,
        fixObjects: [patched(mw, { spec: { forwardAuth: { authResponseHeaders: [...headers, 'Authorization'] } } })],
        // Other authentication services hand identity over in their own headers.
        ...(toOAuth2Proxy ? {} : { severity: 'low' as const }),
      });
    }
    return out;
  },
});
