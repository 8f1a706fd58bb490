/**
 * `generate --input PATH…` with `cluster.isolateKubeSystem: true`: what the cluster's
 * manifests show would lose traffic once the generated policies of the DNS namespace
 * (its default deny and CoreDNS's policy) are applied beside them. The spec cannot know
 * the add-ons there; the input can.
 */
import type { GeneratedFile } from '../generate/index.js';
import type { Platform } from '../generate/spec.js';
import { readInputs } from '../load/files.js';
import { loadRead } from '../load/input.js';
import { MeshlessError } from '../model/errors.js';
import { analyze } from '../netpol/analysis.js';
import { diffConnectivity } from '../netpol/diff.js';
import { formatPorts } from '../netpol/ports.js';

export interface LostConnection {
  readonly from: string;
  readonly to: string;
  /** What is no longer allowed: `["all"]`, `["443/TCP"]`… */
  readonly ports: readonly string[];
}

/** Connections, at workload level, allowed by the input alone and not once the DNS namespace's generated policies join it. */
export async function kubeSystemLosses(spec: Platform, files: readonly GeneratedFile[], paths: readonly string[]): Promise<LostConnection[]> {
  const ns = spec.cluster.dns.namespace;
  const file = files.find((f) => f.path === `network-policies/${ns}.yaml`);
  if (!file) return [];
  const read = await readInputs(paths);
  const before = await loadRead(read);
  if (before.inventory.objects.length === 0) {
    throw new MeshlessError('input-invalid', `no objects read from --input ${paths.join(', ')}`, { hint: 'give the cluster\'s manifests, e.g. kubectl get pods,deployments,daemonsets,statefulsets,namespaces,networkpolicies -A -o yaml > cluster.yaml' });
  }
  const after = await loadRead({ ...read, inputs: [...read.inputs, { file: `(generated) ${file.path}`, text: file.content }] });
  const d = diffConnectivity(analyze(before.inventory), analyze(after.inventory), { level: 'workload' });
  const lost: LostConnection[] = [
    ...d.removed.map((e) => ({ from: e.from, to: e.to, ports: formatPorts(e.ports) })),
    ...d.changed.filter((e) => formatPorts(e.closed).length > 0).map((e) => ({ from: e.from, to: e.to, ports: formatPorts(e.closed) })),
  ];
  return lost.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
}

/** The note generate prints: every lost connection up to `limit`, then how many more. */
export function lossesText(ns: string, paths: readonly string[], lost: readonly LostConnection[], limit = 50): string[] {
  const from = paths.map((p) => (p === '-' ? 'standard input' : p)).join(', ');
  if (lost.length === 0) return [`note: ${from} shows nothing in ${ns} that the default deny would cut off (only what the input holds is known)`];
  const lines = [`note: ${from} shows ${lost.length} connection${lost.length === 1 ? '' : 's'} that the default deny in ${ns} would cut off (give them their own NetworkPolicies, or drop cluster.isolateKubeSystem):`];
  // `ip:other` is every address outside the pod network that no policy names.
  const peer = (id: string): string => (id === 'ip:other' ? 'outside the cluster' : id);
  for (const l of lost.slice(0, limit)) lines.push(`  ${peer(l.from)} → ${peer(l.to)} ${l.ports.join(', ')}`);
  if (lost.length > limit) lines.push(`  … and ${lost.length - limit} more`);
  return lines;
}
