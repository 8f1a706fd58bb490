/**
 * The audit's settings as every command that audits reads them: `--config FILE`
 * (validated; errors name the field), `--network-team`, and `--baseline FILE`.
 * Used by audit, diff, report, serve and guard.
 */
import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import { parseAuditConfig, type LoadedConfig } from '../checks/config.js';
import type { Baseline } from '../checks/run.js';
import { DEFAULT_CONFIG } from '../checks/types.js';
import { UsageError, type Options } from './common.js';

export async function loadConfig(values: Options): Promise<LoadedConfig> {
  let loaded: LoadedConfig = { config: DEFAULT_CONFIG, ignore: [] };
  const file = values['config'];
  if (typeof file === 'string') {
    let raw: unknown;
    try {
      raw = yaml.load(await readFile(file, 'utf8'));
    } catch (e) {
      throw new UsageError(`--config ${file}: ${e instanceof Error ? e.message.split('\n')[0]! : String(e)}`);
    }
    const parsed = parseAuditConfig(raw);
    if ('problems' in parsed) throw new UsageError(`--config ${file} is not valid:\n  ${parsed.problems.join('\n  ')}`);
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
    throw new UsageError(`--baseline ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const list = (doc as Partial<BaselineFile> | null)?.findings;
  if (!Array.isArray(list)) throw new UsageError(`--baseline ${file}: expected {"version": 1, "findings": [{"fingerprint": ..., "reason": ...}]}`);
  return { entries: new Map(list.map((f) => [f.fingerprint, f.reason])) };
}

