/**
 * Calico FelixConfiguration (crd.projectcalico.org/v1, or projectcalico.org/v3
 * through the Calico API server), the fields of its documented reference that
 * concern encryption. Cluster-scoped; `default` holds the cluster-wide values.
 */
import { z } from 'zod';

export const FelixConfigurationSchema = z
  .object({
    apiVersion: z.enum(['crd.projectcalico.org/v1', 'projectcalico.org/v3']),
    kind: z.literal('FelixConfiguration'),
    metadata: z.object({ name: z.string().min(1), labels: z.record(z.string(), z.string()).optional() }).strict(),
    spec: z
      .object({
        wireguardEnabled: z.boolean().optional(),
        wireguardEnabledV6: z.boolean().optional(),
        wireguardListeningPort: z.number().int().min(1).max(65535).optional(),
        wireguardListeningPortV6: z.number().int().min(1).max(65535).optional(),
        wireguardInterfaceName: z.string().optional(),
        wireguardMTU: z.number().int().optional(),
        wireguardHostEncryptionEnabled: z.boolean().optional(),
        wireguardKeepAlive: z.string().optional(),
        logSeverityScreen: z.enum(['Debug', 'Info', 'Warning', 'Error', 'Fatal']).optional(),
      })
      .strict(),
  })
  .strict();
