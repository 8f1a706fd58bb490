/**
 * Names people give for an endpoint — the full id, `namespace/name`, a workload's name
 * (`redis-cart`) — resolved against the input, with the nearest ids when nothing fits.
 * The CLI (`explain`, `reach --from/--to`) and the UI's Explain form share it.
 */
import { MeshlessError } from '../model/errors.js';
import type { Inventory } from '../model/inventory.js';
import { parseIp } from '../model/ip.js';
import { nearest } from '../model/suggest.js';
import type { Endpoint } from '../model/workloads.js';

const lastPart = (id: string): string => id.slice(id.lastIndexOf('/') + 1);

/** Endpoints a short name stands for: `ns/kind/name`, `ns/name`, or `name` (of the endpoint or of its workload). */
export function endpointsNamed(inv: Inventory, ref: string): Endpoint[] {
  const parts = ref.split('/');
  return inv.endpoints.filter((e) => {
    if (e.id === ref || e.workload === ref) return true;
    if (parts.length === 2) return e.namespace === parts[0] && (e.name === parts[1] || lastPart(e.workload) === parts[1]);
    if (parts.length === 1) return e.name === ref || lastPart(e.workload) === ref;
    return false;
  });
}

/** "; did you mean …?" with the nearest endpoint or workload ids, or the ids that contain the name. */
export function suggestEndpoints(inv: Inventory, ref: string): string {
  const ids = [...new Set(inv.endpoints.flatMap((e) => [e.workload, e.id]))];
  const name = lastPart(ref);
  let near = nearest(ref, ids);
  if (near === undefined) {
    const byName = new Map<string, string>();
    for (const e of inv.endpoints) for (const n of [e.name, lastPart(e.workload)]) if (!byName.has(n)) byName.set(n, e.workload);
    const n = nearest(name, [...byName.keys()]);
    near = n !== undefined ? byName.get(n) : undefined;
  }
  const containing = name.length >= 3 ? ids.filter((id) => id.includes(name)).slice(0, 3) : [];
  const list = near !== undefined ? [near, ...containing.filter((c) => c !== near)].slice(0, 3) : containing;
  return list.length > 0 ? `; did you mean ${list.join(', ')}?` : '';
}

/** One endpoint id for a name (a workload stands for any of its pods), or an IP address; throws when it names none or several workloads. */
export function resolveEndpointRef(inv: Inventory, ref: string, role = 'endpoint'): string | { ip: string } {
  if (inv.endpoints.some((e) => e.id === ref)) return ref;
  if (parseIp(ref)) return { ip: ref };
  const found = endpointsNamed(inv, ref);
  const workloads = [...new Set(found.map((e) => e.workload))];
  if (workloads.length === 1) return found[0]!.id;
  if (workloads.length > 1) throw new MeshlessError('unknown-endpoint', `${role} "${ref}" is ambiguous: ${workloads.join(', ')}`, { hint: 'give the full id (namespace/kind/name)' });
  throw new MeshlessError('unknown-endpoint', `unknown ${role} "${ref}": no endpoint or workload of that name in the input${suggestEndpoints(inv, ref)}`, { hint: 'meshless reach lists the endpoints' });
}
