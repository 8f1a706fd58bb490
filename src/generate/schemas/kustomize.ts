/** kustomize's Kustomization (kustomize.config.k8s.io/v1beta1): the fields meshless writes. */
import { z } from 'zod';

export const KustomizationSchema = z
  .object({
    apiVersion: z.literal('kustomize.config.k8s.io/v1beta1'),
    kind: z.literal('Kustomization'),
    metadata: z.object({ name: z.string().min(1) }).strict().optional(),
    resources: z.array(z.string().regex(/^[^/].*\.yaml$/, 'a relative path to a YAML file')).min(1),
  })
  .strict();
