/** The edge checks: authentication at the edge and edge (ingress) TLS. */
import authDirectExposure from './auth-direct-exposure.js';
import authGatewayBypass from './auth-gateway-bypass.js';
import authGatewayRouteUnauthenticated from './auth-gateway-route-unauthenticated.js';
import authIngressNginxNoAuthUrl from './auth-ingress-nginx-no-auth-url.js';
import authIngressNginxRetired from './auth-ingress-nginx-retired.js';
import authOauth2ProxyCookieSecretLiteral from './auth-oauth2-proxy-cookie-secret-literal.js';
import authOauth2ProxyNoAuthorizationHeader from './auth-oauth2-proxy-no-authorization-header.js';
import authOauth2ProxyReverseProxyUntrusted from './auth-oauth2-proxy-reverse-proxy-untrusted.js';
import authOauth2ProxySkipAuthRoute from './auth-oauth2-proxy-skip-auth-route.js';
import authOauth2ProxyTrustedIp from './auth-oauth2-proxy-trusted-ip.js';
import authOauth2ProxyVulnerable from './auth-oauth2-proxy-vulnerable.js';
import authPublicWithoutReason from './auth-public-without-reason.js';
import authResponseHeadersNoAuthorization from './auth-response-headers-no-authorization.js';
import authSigninMissing from './auth-signin-missing.js';
import authSnippetAnnotation from './auth-snippet-annotation.js';
import authTraefikNoAuthorizationHeader from './auth-traefik-no-authorization-header.js';
import authTraefikNoForwardAuth from './auth-traefik-no-forward-auth.js';
import authUrlTargetMissing from './auth-url-target-missing.js';
import tlsAcmeStaging from './tls-acme-staging.js';
import tlsDirectExposurePlain from './tls-direct-exposure-plain.js';
import tlsGatewayHttpWithoutRedirect from './tls-gateway-http-without-redirect.js';
import tlsHostWithoutTls from './tls-host-without-tls.js';
import tlsIssuerMissing from './tls-issuer-missing.js';
import tlsNoCertificateSource from './tls-no-certificate-source.js';
import tlsSslRedirectDisabled from './tls-ssl-redirect-disabled.js';

export const edgeChecks = [
  authIngressNginxNoAuthUrl,
  authGatewayRouteUnauthenticated,
  authTraefikNoForwardAuth,
  authUrlTargetMissing,
  authSigninMissing,
  authResponseHeadersNoAuthorization,
  authOauth2ProxyNoAuthorizationHeader,
  authTraefikNoAuthorizationHeader,
  authSnippetAnnotation,
  authIngressNginxRetired,
  authPublicWithoutReason,
  authOauth2ProxyVulnerable,
  authOauth2ProxyTrustedIp,
  authOauth2ProxyReverseProxyUntrusted,
  authOauth2ProxySkipAuthRoute,
  authOauth2ProxyCookieSecretLiteral,
  authGatewayBypass,
  authDirectExposure,
  tlsHostWithoutTls,
  tlsNoCertificateSource,
  tlsIssuerMissing,
  tlsAcmeStaging,
  tlsSslRedirectDisabled,
  tlsGatewayHttpWithoutRedirect,
  tlsDirectExposurePlain,
] as const;
