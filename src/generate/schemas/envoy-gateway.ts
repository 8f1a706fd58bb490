/**
 * Envoy Gateway SecurityPolicy (gateway.envoyproxy.io/v1alpha1), as documented
 * in the project's API reference (api/v1alpha1/securitypolicy_types.go,
 * ext_auth_types.go). No published model carries it, so the fields meshless
 * writes are checked here, strictly, with the CRD's validation rules that
 * apply to them (one of grpc/http; backendRef or backendRefs; the allowed
 * kinds and groups).
 */
import { z } from 'zod';

const objectMeta = z.object({ name: z.string().min(1), namespace: z.string().min(1), labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() }).strict();

const targetRef = z
  .object({
    group: z.literal('gateway.networking.k8s.io'),
    kind: z.enum(['Gateway', 'HTTPRoute', 'GRPCRoute', 'TCPRoute', 'UDPRoute', 'TLSRoute']),
    name: z.string().min(1).max(253),
    sectionName: z.string().min(1).max(253).optional(),
  })
  .strict();

const backendRef = z
  .object({
    group: z.enum(['', 'multicluster.x-k8s.io', 'gateway.envoyproxy.io']).optional(),
    kind: z.enum(['Service', 'ServiceImport', 'Backend']).optional(),
    name: z.string().min(1).max(253),
    namespace: z.string().min(1).max(63).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    weight: z.number().int().min(0).optional(),
  })
  .strict();

const backendCluster = {
  backendRef: backendRef.optional(),
  backendRefs: z.array(backendRef).max(16).optional(),
};

const httpExtAuth = z
  .object({ ...backendCluster, path: z.string().optional(), pathOverride: z.string().optional(), headersToBackend: z.array(z.string().min(1)).optional() })
  .strict()
  .refine((h) => h.backendRef !== undefined || (h.backendRefs?.length ?? 0) > 0, 'backendRef or backendRefs needs to be set')
  .refine((h) => !(h.path !== undefined && h.pathOverride !== undefined), 'only one of path or pathOverride can be specified');

const grpcExtAuth = z
  .object(backendCluster)
  .strict()
  .refine((h) => h.backendRef !== undefined || (h.backendRefs?.length ?? 0) > 0, 'backendRef or backendRefs needs to be set');

const extAuth = z
  .object({
    grpc: grpcExtAuth.optional(),
    http: httpExtAuth.optional(),
    headersToExtAuth: z.array(z.string().min(1)).optional(),
    failOpen: z.boolean().optional(),
    timeout: z.string().optional(),
    recomputeRoute: z.boolean().optional(),
  })
  .strict()
  .refine((e) => (e.grpc === undefined) !== (e.http === undefined), 'exactly one of grpc or http must be specified');

export const SecurityPolicySchema = z
  .object({
    apiVersion: z.literal('gateway.envoyproxy.io/v1alpha1'),
    kind: z.literal('SecurityPolicy'),
    metadata: objectMeta,
    spec: z
      .object({
        targetRef: targetRef.optional(),
        targetRefs: z.array(targetRef).optional(),
        extAuth: extAuth.optional(),
        // Other authentication methods exist (oidc, jwt, basicAuth, apiKeyAuth, cors, authorization); meshless writes none of them.
      })
      .strict()
      .refine((s) => s.targetRef !== undefined || (s.targetRefs?.length ?? 0) > 0, 'a SecurityPolicy needs targetRef or targetRefs'),
  })
  .strict();
