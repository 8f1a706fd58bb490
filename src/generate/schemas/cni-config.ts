/**
 * The CNI settings that live in ConfigMaps: Flannel's net-conf.json (its
 * documented keys, backends wireguard and ipsec) and Cilium's cilium-config
 * encryption keys. The ConfigMaps themselves are checked with the core model.
 */
import { z } from 'zod';

const cidr = z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/);

export const FlannelNetConfSchema = z
  .object({
    Network: cidr,
    IPv6Network: cidr.optional(),
    EnableIPv6: z.boolean().optional(),
    SubnetLen: z.number().int().optional(),
    Backend: z.union([
      z.object({ Type: z.literal('wireguard'), PSK: z.string().optional(), ListenPort: z.number().int().optional(), Mode: z.enum(['separate', 'auto']).optional() }).strict(),
      z.object({ Type: z.literal('ipsec'), PSK: z.string().length(96), UDPEncap: z.boolean().optional() }).strict(),
      z.object({ Type: z.enum(['vxlan', 'host-gw', 'udp']) }).loose(),
    ]),
  })
  .strict();

export const CiliumEncryptionSchema = z.union([
  z.object({ 'enable-wireguard': z.literal('true') }).strict(),
  z.object({ 'enable-ipsec': z.literal('true'), 'ipsec-key-file': z.string().startsWith('/') }).strict(),
]);
