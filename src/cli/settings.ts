/**
 * The audit's settings as every command that audits reads them: `--config FILE`
 * (validated; errors name the field), `--network-team`, and `--baseline FILE`.
 * Used by audit, diff, report, serve and guard.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { LoadedConfig } from '../checks/config.js';
import { ALL_CHECKS } from '../checks/index.js';
import type { AuditSettings, Baseline } from '../checks/run.js';
import { DEFAULT_CONFIG } from '../checks/types.js';
import { type Options } from './common.js';
import { MeshlessError } from '../model/errors.js';

export async function loadConfig(values: Options): Promise<LoadedConfig> {
  let loaded: LoadedConfig = { config: DEFAULT_CONFIG, ignore: [] };
  const file = values['config'];
  if (typeof file === 'string') {
    let raw: unknown;
    try {
      raw = parseYaml(await readFile(file, 'utf8'));
    } catch (e) {
      throw new MeshlessError('config-invalid', `--config ${file}: ${e instanceof Error ? e.message.split('\n')[0]! : String(e)}`);
    }
    // zod is loaded only when there is a file to check: `serve` starts reading its input ~50 ms sooner.
    const { parseAuditConfig } = await import('../checks/config.js');
    const parsed = parseAuditConfig(raw);
    if ('problems' in parsed) throw new MeshlessError('config-invalid', `--config ${file} is not valid:\n  ${parsed.problems.join('\n  ')}`);
    loaded = parsed;
  }
  const team = values['network-team'];
  if (Array.isArray(team) && team.length > 0) loaded = { ...loaded, config: { ...loaded.config, networkTeam: team } };
  return loaded;
}

/** The file `audit --write-baseline` writes and `--baseline` reads. */
export interface BaselineFile {
  version: 1;
  findings: { fingerprint: string; check: string; object: string; reason: string }[];
}

export async function loadBaseline(file: string): Promise<Baseline> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new MeshlessError('baseline-invalid', `--baseline ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const list = (doc as Partial<BaselineFile> | null)?.findings;
  if (!Array.isArray(list)) throw new MeshlessError('baseline-invalid', `--baseline ${file}: expected {"version": 1, "findings": [{"fingerprint": ..., "reason": ...}]}`);
  return { entries: new Map(list.map((f) => [f.fingerprint, f.reason])) };
}

export const AUDIT_SETTING_OPTIONS = {
  'network-team': { type: 'string', multiple: true },
  config: { type: 'string' },
  baseline: { type: 'string' },
} as const;

/** `--network-team`, `--config`, `--baseline` → what runAudit needs, and a line per setting for the report. */
export async function auditSettings(values: Options): Promise<{ settings: AuditSettings; described: string[] }> {
  const cfg = await loadConfig(values);
  const baseline = typeof values['baseline'] === 'string' ? await loadBaseline(values['baseline']) : undefined;
  const described: string[] = [];
  if (cfg.config.networkTeam.length > 0) described.push(`network team: ${cfg.config.networkTeam.join(', ')}`);
  if (typeof values['config'] === 'string') described.push(`audit settings from ${values['config']}`);
  if (cfg.ignore.length > 0) described.push(`checks not run: ${cfg.ignore.join(', ')}`);
  if (typeof values['baseline'] === 'string') described.push(`baseline ${values['baseline']} (${baseline?.entries.size ?? 0} accepted findings)`);
  return {
    settings: { config: cfg.config, checks: ALL_CHECKS.filter((c) => !cfg.ignore.includes(c.id)), ...(baseline ? { baseline } : {}) },
    described,
  };
}
