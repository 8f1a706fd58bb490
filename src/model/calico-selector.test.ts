import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { calicoSelectorKeys, formatCalicoSelector, matchesCalico, parseCalicoSelector } from './calico-selector.js';

const LABELS: Record<string, string> = { app: 'web', tier: 'front', env: 'prod', 'projectcalico.org/namespace': 'shop', 'k8s-app': 'kube-dns' };
const get = (k: string): string | undefined => LABELS[k];

function m(text: string): boolean {
  const r = parseCalicoSelector(text);
  if (!r.ok) assert.fail(`${text}: ${r.error}`);
  return matchesCalico(r.selector, get);
}

describe('Calico selectors', () => {
  const table: [string, boolean][] = [
    ['', true],
    ['all()', true],
    ['global()', false],
    ["app == 'web'", true],
    ['app == "api"', false],
    ["app != 'api'", true],
    ["missing != 'x'", true],
    ["app in {'web', 'api'}", true],
    ["app in {'api'}", false],
    ["missing in {'x'}", false],
    ["app not in {'api'}", true],
    ["missing not in {'x'}", true],
    ["app not in {'web'}", false],
    ['has(app)', true],
    ['has(missing)', false],
    ['!has(missing)', true],
    ['!has(app)', false],
    ["app contains 'e'", true],
    ["app starts with 'w'", true],
    ["app ends with 'x'", false],
    ["app == 'web' && tier == 'front'", true],
    ["app == 'web' && tier == 'back'", false],
    ["app == 'api' || tier == 'front'", true],
    ["app == 'api' || tier == 'back' && env == 'prod'", false],
    ["(app == 'api' || tier == 'front') && env == 'prod'", true],
    ["!(app == 'web')", false],
    ["projectcalico.org/namespace == 'shop'", true],
    ['k8s-app == "kube-dns"', true],
    ['kubernetes.io/metadata.name not in {"calico-system", "kube-public",\n  "kube-system", "tigera-operator"}', true],
  ];
  for (const [text, want] of table) test(`${JSON.stringify(text)} → ${want}`, () => {
    assert.equal(m(text), want);
  });

  const bad: [string, RegExp][] = [
    ["app = 'web'", /unexpected character "="|expected ==/],
    ["app == web", /quoted string/],
    ["app == 'web", /unterminated string/],
    ["(app == 'web'", /expected "\)"/],
    ["app in 'web'", /expected "\{"/],
    ["app == 'a' &&", /expected a label key/],
    ["app not 'x'", /expected "in"/],
  ];
  for (const [text, re] of bad) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      const r = parseCalicoSelector(text);
      assert.match(r.ok ? 'parsed' : r.error, re);
    });
  }

  test('formats canonically and round-trips', () => {
    for (const text of ["a == 'x' && (b == 'y' || !has(c))", "k not in {'1', '2'}", "!(a == 'b')", 'all()']) {
      const r = parseCalicoSelector(text);
      assert.ok(r.ok);
      const again = parseCalicoSelector(formatCalicoSelector(r.selector));
      assert.ok(again.ok);
      assert.deepEqual(again.selector, r.selector);
    }
  });

  test('lists the keys it reads', () => {
    const r = parseCalicoSelector("a == 'x' && (has(b) || c in {'1'})");
    assert.ok(r.ok);
    assert.deepEqual([...calicoSelectorKeys(r.selector)].sort(), ['a', 'b', 'c']);
  });
});
