/** The server's JSON API, typed by src/server/api.ts. Relative URLs: the page may be served under any base. */
import type { ApiModel, ApiPairs, ApiSource, ApiWorkloads } from '../server/api.js';

/** What /api/explain answers: the engine's own types (type-only; nothing of the engine is bundled). */
import type { Explanation } from '../netpol/explain.js';
export type { Explanation, PolicyVerdict, RuleVerdict, SideVerdict } from '../netpol/explain.js';

export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
}

async function get<T>(path: string, params: Record<string, string> = {}): Promise<T> {
  const qs = new URLSearchParams(params).toString();
  const res = await fetch(`${path}${qs ? `?${qs}` : ''}`, { headers: { accept: 'application/json' } });
  const body = (await res.json()) as T | { error?: string };
  if (!res.ok) throw new ApiFailure((body as { error?: string }).error ?? `${res.status} ${res.statusText}`);
  return body as T;
}

export const api = {
  /** `graph`: the first view of a large cluster, before the audit. */
  model: (part?: 'graph'): Promise<ApiModel> => get('api/model', part ? { part } : {}),
  workloads: (namespaces: readonly string[]): Promise<ApiWorkloads> => get('api/workloads', { ns: namespaces.join(',') }),
  pairs: (from: string, to: string): Promise<ApiPairs> => get('api/pairs', { from, to }),
  explain: (from: string, to: string, port?: string): Promise<Explanation> => get('api/explain', { from, to, ...(port ? { port } : {}) }),
  search: (q: string): Promise<{ matches: string[] }> => get('api/search', { q }),
  source: (file: string): Promise<ApiSource> => get('api/source', { file }),
};
