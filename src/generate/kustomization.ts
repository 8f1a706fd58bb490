/** kustomization.yaml: every generated file, so that `kubectl apply -k DIR` applies the platform. */
import type { FilePlan } from './yaml.js';

export const KUSTOMIZATION = 'kustomization.yaml';

/** metadata.name is optional for kustomize; with it the file is a well-formed object for `meshless audit DIR` too. */
export function renderKustomization(files: readonly FilePlan[], name: string): FilePlan {
  return {
    path: KUSTOMIZATION,
    title: 'Apply everything with kubectl apply -k <this directory> (or reference it from your own kustomization).',
    docs: [
      {
        object: {
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          metadata: { name },
          resources: files.map((f) => f.path).filter((p) => p !== KUSTOMIZATION),
        },
      },
    ],
  };
}
