/** `meshless checks`: every check, with its control and severity. */
import { ALL_CHECKS } from '../checks/index.js';
import { table } from '../report/reach.js';
import { EXIT, oneOf, parse, type Io } from './common.js';

export async function runChecksCommand(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, {});
  if (values['help']) {
    io.out('Usage: meshless checks [-o table|json]\n\nLists every check meshless audit runs. Each has a page in docs/checks/.');
    return EXIT.ok;
  }
  const format = oneOf(values['output'], ['table', 'json'] as const, '-o', 'table');
  if (format === 'json') {
    io.out(JSON.stringify(ALL_CHECKS.map((c) => ({ id: c.id, control: c.control, severity: c.severity, title: c.title, requirements: c.requirements ?? [], docs: `docs/checks/${c.id}.md` })), null, 2));
  } else {
    io.out(table([['CHECK', 'CONTROL', 'SEVERITY', 'TITLE'], ...ALL_CHECKS.map((c) => [c.id, c.control, c.severity, c.title])]));
  }
  return Promise.resolve(EXIT.ok);
}
