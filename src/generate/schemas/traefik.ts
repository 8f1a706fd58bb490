/**
 * Traefik CRDs (traefik.io/v1alpha1): IngressRoute and the Middleware kinds
 * meshless writes (forwardAuth, errors, redirectScheme, stripPrefix), strictly,
 * from Traefik's routing reference. No published model carries them.
 */
import { z } from 'zod';

const objectMeta = z.object({ name: z.string().min(1), namespace: z.string().min(1), labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() }).strict();
const mwRef = z.object({ name: z.string().min(1), namespace: z.string().min(1).optional() }).strict();
const service = z
  .object({ kind: z.enum(['Service', 'TraefikService']).optional(), name: z.string().min(1), namespace: z.string().min(1).optional(), port: z.union([z.number().int().min(1).max(65535), z.string().min(1)]).optional() })
  .strict();

export const IngressRouteSchema = z
  .object({
    apiVersion: z.literal('traefik.io/v1alpha1'),
    kind: z.literal('IngressRoute'),
    metadata: objectMeta,
    spec: z
      .object({
        entryPoints: z.array(z.string().min(1)).optional(),
        routes: z.array(z.object({ kind: z.literal('Rule'), match: z.string().min(1), middlewares: z.array(mwRef).optional(), services: z.array(service).min(1) }).strict()).min(1),
        tls: z.object({ secretName: z.string().min(1).optional(), certResolver: z.string().optional() }).strict().optional(),
      })
      .strict(),
  })
  .strict();

const forwardAuth = z.object({ address: z.url(), trustForwardHeader: z.boolean().optional(), authResponseHeaders: z.array(z.string().min(1)).optional(), authRequestHeaders: z.array(z.string()).optional() }).strict();
const errors = z.object({ status: z.array(z.string().regex(/^\d{3}(-\d{3})?$/)).min(1), service, query: z.string().optional() }).strict();
const redirectScheme = z.object({ scheme: z.string().min(1), permanent: z.boolean().optional(), port: z.string().optional() }).strict();
const stripPrefix = z.object({ prefixes: z.array(z.string().min(1)).min(1) }).strict();

export const MiddlewareSchema = z
  .object({
    apiVersion: z.literal('traefik.io/v1alpha1'),
    kind: z.literal('Middleware'),
    metadata: objectMeta,
    spec: z
      .object({ forwardAuth: forwardAuth.optional(), errors: errors.optional(), redirectScheme: redirectScheme.optional(), stripPrefix: stripPrefix.optional() })
      .strict()
      .refine((s) => Object.keys(s).length === 1, 'a Middleware has exactly one kind'),
  })
  .strict();
