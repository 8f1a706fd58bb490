/** `meshless checks`: every check, with its control and severity. */
import { ALL_CHECKS, checkById, unknownCheckProblem } from '../checks/index.js';
import { checkPage } from '../report/checks-doc.js';
import { stringify as stringifyYaml } from 'yaml';
import { table } from '../report/reach.js';
import { EXIT, UsageError, oneOf, parse, type Io } from './common.js';
import { MeshlessError } from '../model/errors.js';

export async function runChecksCommand(args: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values['help']) {
    io.out('Usage: meshless checks [ID] [-o table|json|yaml]\n\nLists every check meshless audit runs. Each has a page in docs/checks/;\nmeshless checks ID prints that page (Markdown).\n\nExit codes: 0 ok, 2 usage error (an unknown check id).');
    return EXIT.ok;
  }
  if (positionals.length > 1) throw new UsageError(`checks takes at most one check id (got ${positionals.length})`);
  const id = positionals[0];
  if (id !== undefined) {
    const check = checkById(id);
    // Not a usage mistake in the flags: an input error (exit 2) that names the nearest id.
    if (!check) throw new MeshlessError('unknown-check', unknownCheckProblem(id) ?? `unknown check "${id}"`);
    io.out(checkPage(check));
    return EXIT.ok;
  }
  const format = oneOf(values['output'], ['table', 'json', 'yaml'] as const, '-o', 'table');
  if (format === 'json' || format === 'yaml') {
    const list = ALL_CHECKS.map((c) => ({ id: c.id, control: c.control, severity: c.severity, title: c.title, requirements: c.requirements ?? [], docs: `docs/checks/${c.id}.md` }));
    io.out(format === 'json' ? JSON.stringify(list, null, 2) : stringifyYaml(list, { lineWidth: 0 }));
  } else {
    io.out(table([['CHECK', 'CONTROL', 'SEVERITY', 'TITLE'], ...ALL_CHECKS.map((c) => [c.id, c.control, c.severity, c.title])]));
  }
  return Promise.resolve(EXIT.ok);
}
