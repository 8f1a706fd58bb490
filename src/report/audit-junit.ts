/** JUnit XML: one suite per control, one test case per check and object; a finding is a failure. */
import type { AuditResult } from '../checks/run.js';
import { CONTROLS, type Check } from '../checks/types.js';

// XML 1.0 cannot carry control characters at all, so they are dropped.
const esc = (s: string): string =>
  // eslint-disable-next-line no-control-regex
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export function auditJunit(r: AuditResult, checks: readonly Check[]): string {
  const suites: string[] = [];
  let total = 0;
  let failures = 0;
  for (const control of CONTROLS) {
    const cases: string[] = [];
    let f = 0;
    for (const c of checks.filter((x) => x.control === control)) {
      const mine = r.findings.filter((x) => x.check === c.id);
      if (mine.length === 0) {
        cases.push(`    <testcase classname="${esc(control)}.${esc(c.id)}" name="${esc(c.title)}"/>`);
        continue;
      }
      for (const x of mine) {
        const obj = `${x.object.kind} ${x.object.namespace ? `${x.object.namespace}/` : ''}${x.object.name}`;
        const where = x.object.file ? ` (${x.object.file}:${x.object.line ?? 1})` : '';
        if (x.suppressed) {
          cases.push(`    <testcase classname="${esc(control)}.${esc(c.id)}" name="${esc(obj)}"><skipped message="${esc(`suppressed by ${x.suppressed.by}: ${x.suppressed.reason}`)}"/></testcase>`);
          continue;
        }
        f++;
        cases.push(
          `    <testcase classname="${esc(control)}.${esc(c.id)}" name="${esc(obj)}"${x.object.file ? ` file="${esc(x.object.file)}"` : ''}>\n` +
            `      <failure message="${esc(x.message)}" type="${esc(x.severity)}">${esc(`${x.message}${where}\nWhy: ${x.why}\nFix:\n${x.fix}`)}</failure>\n    </testcase>`,
        );
      }
    }
    total += cases.length;
    failures += f;
    suites.push(`  <testsuite name="${esc(control)}" tests="${cases.length}" failures="${f}" errors="0">\n${cases.join('\n')}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="meshless audit" tests="${total}" failures="${failures}">\n${suites.join('\n')}\n</testsuites>\n`;
}
