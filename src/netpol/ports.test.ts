import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_PORTS, EMPTY_PORTS, allOfProtocol, formatPorts, hasPort, intersect, isEmpty, portRange, union } from './ports.js';

test('port sets: union merges adjacent and overlapping ranges per protocol', () => {
  const rows: [string, ReturnType<typeof union>, string[]][] = [
    ['adjacent', union(portRange('TCP', 80), portRange('TCP', 81)), ['80-81/TCP']],
    ['overlap', union(portRange('TCP', 80, 90), portRange('TCP', 85, 100)), ['80-100/TCP']],
    ['protocols kept apart', union(portRange('TCP', 53), portRange('UDP', 53)), ['53/TCP', '53/UDP']],
    ['whole protocol', union(allOfProtocol('SCTP'), portRange('SCTP', 7)), ['SCTP']],
    ['everything', union(union(allOfProtocol('TCP'), allOfProtocol('UDP')), allOfProtocol('SCTP')), ['all']],
    ['empty', union(EMPTY_PORTS, EMPTY_PORTS), []],
  ];
  for (const [name, set, expected] of rows) assert.deepEqual(formatPorts(set), expected, name);
});

test('port sets: intersection', () => {
  assert.deepEqual(formatPorts(intersect(portRange('TCP', 80, 90), portRange('TCP', 85, 100))), ['85-90/TCP']);
  assert.ok(isEmpty(intersect(portRange('TCP', 80), portRange('UDP', 80))));
  assert.deepEqual(formatPorts(intersect(ALL_PORTS, portRange('UDP', 53))), ['53/UDP']);
  assert.deepEqual(formatPorts(intersect(union(portRange('TCP', 1, 10), portRange('TCP', 20, 30)), portRange('TCP', 5, 25))), ['5-10/TCP', '20-25/TCP']);
});

test('port sets: membership at range edges', () => {
  const s = portRange('TCP', 8000, 8080);
  assert.equal(hasPort(s, 'TCP', 7999), false);
  assert.equal(hasPort(s, 'TCP', 8000), true);
  assert.equal(hasPort(s, 'TCP', 8080), true);
  assert.equal(hasPort(s, 'TCP', 8081), false);
  assert.equal(hasPort(s, 'UDP', 8000), false);
});
