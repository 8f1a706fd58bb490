/**
 * The exposure model: which hosts (and paths) reach which Services from outside
 * the cluster, through which edge (ingress-nginx, Traefik, Gateway API with Envoy
 * Gateway, or no edge at all: Services of type LoadBalancer/NodePort, host
 * ports), whether the edge authenticates the request first and whether it
 * terminates TLS.
 *
 * Pure: it reads the Inventory and returns data. The edge checks (auth-*, tls-*)
 * are small functions over `entryPoints(ctx)` and the helpers below.
 *
 * One file per technology; this file is only the public surface:
 * - entry-points.ts: the builder that runs the readers below (with builder.ts);
 * - ingress.ts (Ingress, IngressClass), ingress-nginx.ts, traefik.ts,
 *   gateway-api.ts, envoy-gateway.ts (SecurityPolicy), direct-ways-in.ts
 *   (LoadBalancer, NodePort, host ports);
 * - tls.ts (cert-manager and other certificate sources), authentication.ts
 *   (oauth2-proxy and other auth services), services.ts, workloads.ts;
 * - types.ts, vocabulary.ts, objects.ts, hosts.ts, lookup.ts: shared words and helpers.
 * outside.ts (who reaches what from outside, with the NetworkPolicies) builds on it.
 */
export type { AuthResult, EntryDetail, EntryPoint, HttpsRedirect, ListenerInfo } from './types.js';
export { annotation, annotationPath, annotationsOf, describe, field, joinList, list, nameOf, nsOf, q, selectorOf, str, unique, type Json } from './objects.js';
export {
  DIRECT_WAYS_IN,
  GATEWAY_API,
  HOST_PORT,
  INGRESS_NGINX,
  isCertManager,
  isGatewayApi,
  isTraefikCrd,
  KNOWN_EDGES,
  PUBLIC_ANNOTATION,
  PUBLIC_REASON_ANNOTATION,
  publicMarking,
  SERVICE_LOADBALANCER,
  SERVICE_NODEPORT,
  TRAEFIK,
  UNKNOWN_EDGE,
  type PublicMarking,
} from './vocabulary.js';
export { hostAndPath, hostCovers, isPublicHost } from './hosts.js';
export { findObject, ofKind } from './lookup.js';
export { containersOf, flagValue, podSpecOf, runsImage, workloads, type ContainerAt } from './workloads.js';
export { clusterServiceOfUrl, endpointObject, findService, serviceEndpoints, servicePort, servicePortNumber, servicesOf, type ClusterServiceRef } from './services.js';
export { authProxyHint, isOAuth2ProxyImage, nginxAuthAnnotations, oauth2ProxyWorkloads, type AuthProxyHint } from './authentication.js';
export { defaultIngressClass, ingressEdge } from './ingress.js';
export { INGRESS_NGINX_CONTROLLER, ingressNginxConfigMaps, ingressNginxControllers, isIngressNginxImage, NGINX } from './ingress-nginx.js';
export { findMiddleware, forwardAuthMiddlewares, middlewareAuth, TRAEFIK_CONTROLLER, TRAEFIK_ROUTER, traefikMatchHosts, type MiddlewareAuth } from './traefik.js';
export { certificateSource, certManagerIssuerOf, findIssuer, isStagingAcmeServer, issuerAdvice, issuers, preferredIssuer, secretNameFor, type IssuerRef } from './tls.js';
export { extAuthBackends, referenceGrantAllows, securityPolicies, securityPolicyAuth } from './envoy-gateway.js';
export { gatewayIsInternal, gateways, listenersOf } from './gateway-api.js';
export { carryEdgeModel, entryDetail, entryPoints, entryPointsByRoute, httpsRedirects } from './entry-points.js';
