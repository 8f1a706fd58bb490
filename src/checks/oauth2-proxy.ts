/**
 * How an oauth2-proxy container is configured, from the three places oauth2-proxy
 * reads options (its own precedence: flag, then environment, then config file):
 * command-line flags (`--trusted-ip=…`, repeatable), `OAUTH2_PROXY_*`
 * environment variables (literal values, or from a ConfigMap) and the legacy TOML
 * config file (`--config`, from a mounted ConfigMap or Secret, `trusted_ips = […]`).
 *
 * Pure: reads the Inventory. Values that come from a Secret by reference are
 * "set, value unknown" — never guessed.
 */
import type { Inventory } from '../model/inventory.js';
import type { LoadedObject } from '../model/kube.js';
import { isRecord } from '../model/json.js';
import { containersOf, field, findObject, isOAuth2ProxyImage, list, nsOf, oauth2ProxyWorkloads, podSpecOf, str, type ContainerAt } from '../exposure/index.js';

/** One setting as found: its values, and where (for file:line and the fix). */
export interface Oauth2ProxySetting {
  readonly values: readonly string[];
  /** `flag`, `env` (literal), `env-ref` (from a Secret/ConfigMap reference) or `config` (config file). */
  readonly from: 'flag' | 'env' | 'env-ref' | 'config';
  /** Field path in the workload (container args/env), or the config object's `data.<key>`. */
  readonly path: string;
  /** The object that holds it: the workload, or the ConfigMap/Secret with the config file. */
  readonly object: LoadedObject;
}

/** One oauth2-proxy container, with a reader for its options. */
export interface Oauth2ProxyContainer {
  readonly workload: LoadedObject;
  readonly container: ContainerAt;
  /** Reads an option by its flag name (`trusted-ip`); undefined when not set anywhere. */
  readonly option: (flag: string) => Oauth2ProxySetting | undefined;
}

/** The environment variable for a flag: `trusted-ip` → `OAUTH2_PROXY_TRUSTED_IPS` (list options take the plural). */
export function envName(flag: string, plural = false): string {
  return `OAUTH2_PROXY_${flag.toUpperCase().replace(/-/g, '_')}${plural ? 'S' : ''}`;
}

/** The config-file key for a flag: `trusted-ip` → `trusted_ips` (list options take the plural). */
export function configKey(flag: string, plural = false): string {
  return `${flag.replace(/-/g, '_')}${plural ? 's' : ''}`;
}

/** Options that are lists: their env and config names take an `s` (oauth2-proxy's `cfg:"trusted_ips"`). */
const LIST_OPTIONS = new Set(['trusted-ip', 'trusted-proxy-ip', 'skip-auth-route', 'skip-auth-regex', 'upstream', 'email-domain', 'whitelist-domain']);

function argsOf(c: ContainerAt): { arg: string; path: string }[] {
  const out: { arg: string; path: string }[] = [];
  for (const f of ['command', 'args'] as const) {
    list(c.container[f]).forEach((a, i) => {
      if (typeof a === 'string') out.push({ arg: a, path: `${c.path}.${f}[${i}]` });
    });
  }
  return out;
}

/** Every value of `--name=value` / `--name value` (a bare boolean flag gives `true`). */
function flagValues(c: ContainerAt, name: string): { values: string[]; path: string } | undefined {
  const args = argsOf(c);
  const values: string[] = [];
  let path: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!.arg;
    for (const prefix of [`--${name}`, `-${name}`]) {
      if (a === prefix) {
        const next = args[i + 1]?.arg;
        values.push(next !== undefined && !next.startsWith('-') ? next : 'true');
        path ??= args[i]!.path;
      } else if (a.startsWith(`${prefix}=`)) {
        values.push(a.slice(prefix.length + 1));
        path ??= args[i]!.path;
      }
    }
  }
  return path === undefined ? undefined : { values, path };
}

/** Boolean flags take no separate value: `--reverse-proxy` alone means true. */
const BOOL_OPTIONS = new Set(['reverse-proxy', 'set-authorization-header', 'skip-provider-button', 'cookie-secure', 'gcp-healthchecks', 'skip-jwt-bearer-tokens']);

function boolFlag(c: ContainerAt, name: string): { values: string[]; path: string } | undefined {
  for (const { arg, path } of argsOf(c)) {
    if (arg === `--${name}` || arg === `-${name}`) return { values: ['true'], path };
    for (const prefix of [`--${name}=`, `-${name}=`]) if (arg.startsWith(prefix)) return { values: [arg.slice(prefix.length)], path };
  }
  return undefined;
}

/** Splits an environment value holding a list (oauth2-proxy reads them comma or space separated). */
function splitList(v: string): string[] {
  return v.split(/[\s,]+/).filter((x) => x !== '');
}

/** ConfigMaps and Secrets the pod mounts (where a config file can come from). */
export function mountedConfig(inv: Inventory, w: LoadedObject): LoadedObject[] {
  const ps = podSpecOf(w);
  if (!ps) return [];
  const ns = nsOf(w);
  const names: [string, string][] = [];
  for (const v of list(ps.spec['volumes'])) {
    const cm = str(field(v, 'configMap', 'name'));
    if (cm) names.push(['ConfigMap', cm]);
    const sec = str(field(v, 'secret', 'secretName'));
    if (sec) names.push(['Secret', sec]);
    for (const src of list(field(v, 'projected', 'sources'))) {
      const pcm = str(field(src, 'configMap', 'name'));
      if (pcm) names.push(['ConfigMap', pcm]);
      const psec = str(field(src, 'secret', 'name'));
      if (psec) names.push(['Secret', psec]);
    }
  }
  return names.map(([k, n]) => findObject(inv, k, ns, n)).filter((o): o is LoadedObject => o !== undefined);
}

function decode(v: string): string {
  try {
    return typeof atob === 'function' ? atob(v) : v;
  } catch {
    return v;
  }
}

/** `key = value` lines of a TOML config file: strings, booleans and (possibly multi-line) arrays of strings. */
export function parseTomlSettings(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    let value = m[2]!.replace(/\s+#.*$/, '').trim();
    if (value.startsWith('[')) {
      while (!value.includes(']') && i + 1 < lines.length) value += ` ${lines[++i]!.replace(/#.*$/, '').trim()}`;
      const items = [...value.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)].map((x) => x[1] ?? x[2] ?? '');
      out.set(m[1]!, items);
    } else {
      const s = /^"((?:[^"\\]|\\.)*)"$|^'([^']*)'$/.exec(value);
      out.set(m[1]!, [s ? (s[1] ?? s[2] ?? '') : value]);
    }
  }
  return out;
}

function configFileSetting(inv: Inventory, w: LoadedObject, c: ContainerAt, flag: string): Oauth2ProxySetting | undefined {
  if (flagValues(c, 'config') === undefined) return undefined;
  const keys = [configKey(flag, LIST_OPTIONS.has(flag)), configKey(flag)];
  for (const o of mountedConfig(inv, w)) {
    for (const dataField of ['data', 'stringData'] as const) {
      const data = field(o.object, dataField);
      if (!isRecord(data)) continue;
      for (const [k, raw] of Object.entries(data)) {
        if (typeof raw !== 'string') continue;
        const text = o.object.kind === 'Secret' && dataField === 'data' ? decode(raw) : raw;
        const settings = parseTomlSettings(text);
        for (const key of keys) {
          const v = settings.get(key);
          if (v !== undefined) return { values: v, from: 'config', path: `${dataField}.${k}`, object: o };
        }
      }
    }
  }
  return undefined;
}

function envSetting(inv: Inventory, w: LoadedObject, c: ContainerAt, flag: string): Oauth2ProxySetting | undefined {
  const isList = LIST_OPTIONS.has(flag);
  const names = new Set([envName(flag, isList), envName(flag)]);
  let found: Oauth2ProxySetting | undefined;
  list(c.container['env']).forEach((e, i) => {
    const name = str(field(e, 'name'));
    if (found || !name || !names.has(name)) return;
    const path = `${c.path}.env[${i}]`;
    const v = field(e, 'value');
    if (typeof v === 'string') {
      found = { values: isList ? splitList(v) : [v], from: 'env', path: `${path}.value`, object: w };
      return;
    }
    const cmRef = field(e, 'valueFrom', 'configMapKeyRef');
    if (isRecord(cmRef)) {
      const cm = findObject(inv, 'ConfigMap', nsOf(w), str(cmRef['name']) ?? '');
      const val = cm ? field(cm.object, 'data', str(cmRef['key']) ?? '') : undefined;
      if (typeof val === 'string') {
        found = { values: isList ? splitList(val) : [val], from: 'env', path: `${path}.valueFrom`, object: w };
        return;
      }
    }
    found = { values: [], from: 'env-ref', path: `${path}.valueFrom`, object: w };
  });
  return found;
}

/**
 * The oauth2-proxy containers in the input, with their options. Found once per
 * inventory: seven checks ask, and finding them looks at every pod's containers
 * (~100 ms each time on 100,000 pods).
 */
export function oauth2ProxyContainers(inv: Inventory): readonly Oauth2ProxyContainer[] {
  let found = containersCache.get(inv);
  if (!found) containersCache.set(inv, (found = findOauth2ProxyContainers(inv)));
  return found;
}
const containersCache = new WeakMap<Inventory, readonly Oauth2ProxyContainer[]>();

function findOauth2ProxyContainers(inv: Inventory): Oauth2ProxyContainer[] {
  const out: Oauth2ProxyContainer[] = [];
  for (const w of oauth2ProxyWorkloads(inv)) {
    for (const c of containersOf(w)) {
      if (!isOAuth2ProxyImage(c.image)) continue;
      const option = (flag: string): Oauth2ProxySetting | undefined => {
        const f = BOOL_OPTIONS.has(flag) ? boolFlag(c, flag) : flagValues(c, flag);
        if (f) return { values: LIST_OPTIONS.has(flag) ? f.values.flatMap((v) => v.split(',')).filter((v) => v !== '') : f.values, from: 'flag', path: f.path, object: w };
        return envSetting(inv, w, c, flag) ?? configFileSetting(inv, w, c, flag);
      };
      out.push({ workload: w, container: c, option });
    }
  }
  return out;
}

/** Is a boolean option on? (`true`, `1`, `yes`; a reference to a Secret counts as on: it was set on purpose.) */
export function isOn(s: Oauth2ProxySetting | undefined): boolean {
  if (!s) return false;
  if (s.from === 'env-ref') return true;
  const v = (s.values[0] ?? '').toLowerCase();
  return v === 'true' || v === '1' || v === 'yes' || v === 't';
}

export type ImageVersion = { readonly known: true; readonly version: readonly [number, number, number]; readonly tag: string } | { readonly known: false; readonly why: string };

/**
 * The oauth2-proxy version an image reference names: `quay.io/oauth2-proxy/oauth2-proxy:v7.7.1`,
 * `…:v7.15.2-alpine`, `bitnami/oauth2-proxy:7.6.0-debian-12-r3`. Digest-only references,
 * `latest` and tags without a version are unknown, never guessed.
 */
export function oauth2ProxyImageVersion(image: string): ImageVersion {
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon <= slash) return { known: false, why: image.includes('@') ? 'the image is pinned by digest only' : 'the image has no tag (latest)' };
  const tag = noDigest.slice(colon + 1);
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+._].*)?$/.exec(tag);
  if (!m) return { known: false, why: `tag "${tag}" names no version` };
  return { known: true, version: [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)], tag };
}

/** a < b for versions. */
export function versionBefore(a: readonly [number, number, number], b: readonly [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** `--name=value` as a YAML list item for the fix text. */
export function flagLine(name: string, value?: string): string {
  return value === undefined ? `- --${name}` : `- --${name}=${value}`;
}
