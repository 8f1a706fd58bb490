/**
 * Host names: whether a host is public (resolves on the internet), whether a
 * host pattern covers a host (`*.example.com`, with certificate or Gateway API
 * listener semantics), and how reports say a host and path.
 */
import type { EntryPoint } from './types.js';

/** Hosts that only resolve inside a private network: a missing certificate there matters less. */
export function isPublicHost(host: string): boolean {
  if (host === '*') return true;
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || /^\d+\.\d+\.\d+\.\d+$/.test(h)) return false;
  return !/\.(local|internal|lan|intranet|corp|home\.arpa|localhost|svc|cluster\.local|svc\.cluster\.local)$/.test(h);
}

/**
 * Does a hostname pattern cover a host? `*.example.com` covers `a.example.com`;
 * with `multiLabel` (Gateway API listener semantics) also `a.b.example.com`,
 * without it (certificate semantics) only one label.
 */
export function hostCovers(pattern: string, host: string, multiLabel = false): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === '*') return true;
  if (p === h) return true;
  if (!p.startsWith('*.')) return false;
  const suffix = p.slice(1); // `.example.com`
  if (!h.endsWith(suffix) || h.length <= suffix.length) return false;
  const label = h.slice(0, h.length - suffix.length);
  return multiLabel ? !label.startsWith('*') : !label.includes('.') && label !== '*';
}

/** `https://` URL text for a host and path, as people say it: `shop.example.com/api`. */
export function hostAndPath(ep: EntryPoint): string {
  const host = ep.host === '*' ? 'every host' : ep.host;
  return ep.path && ep.path !== '/' ? `${host}${ep.path}` : host;
}
