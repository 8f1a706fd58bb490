/**
 * One Namespace per service, named by what it provides, plus the namespace of
 * oauth2-proxy. The edge's and kube-system's namespaces belong to their
 * installers and are not written here.
 */
import { commonLabels, NS_NAME_LABEL, type Labels } from './platform.js';
import type { Platform } from './spec.js';
import type { FilePlan } from './yaml.js';

export function renderNamespaces(spec: Platform): FilePlan[] {
  const owner = new Map<string, string>();
  for (const t of spec.teams.apps) for (const s of t.services) owner.set(s, t.name);
  const docs = spec.services.map((s) => {
    const labels: Labels = { [NS_NAME_LABEL]: s.name, ...commonLabels(spec), 'meshless.dev/service': s.name };
    if (s.data) labels['meshless.dev/data'] = 'true';
    const team = owner.get(s.name);
    if (team !== undefined) labels['meshless.dev/team'] = team;
    const metadata: Record<string, unknown> = { name: s.name, labels };
    if (s.description !== undefined) metadata['annotations'] = { 'meshless.dev/description': s.description };
    return { object: { apiVersion: 'v1', kind: 'Namespace', metadata } };
  });
  docs.push({
    object: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: spec.auth.namespace,
        labels: { [NS_NAME_LABEL]: spec.auth.namespace, ...commonLabels(spec), 'pod-security.kubernetes.io/enforce': 'restricted' },
        annotations: { 'meshless.dev/description': 'oauth2-proxy: sign-in and authentication for the edge' },
      },
    },
  });
  return [
    {
      path: 'namespaces.yaml',
      title: 'Namespaces, one per service (named by what it provides, not by team), and the namespace of oauth2-proxy.',
      docs,
    },
  ];
}
