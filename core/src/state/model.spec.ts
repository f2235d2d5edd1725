import assert from 'node:assert/strict';
import type { Severity } from '@prophasis/protocol';
import { hostSeverity } from './model.js';

describe('state model: a host’s severity', () => {
  const table: [Severity[], boolean, Severity][] = [
    [[], false, 'no_data'],
    [['ok'], false, 'ok'],
    [['ok', 'minor'], false, 'minor'],
    [['ok', 'degraded', 'unknown'], false, 'degraded'],
    [['ok', 'no_data'], false, 'ok'],
    [['unknown', 'no_data'], false, 'unknown'],
    [['major', 'minor'], false, 'major'],
    [[], true, 'major'],
    [['ok'], true, 'major'],
    [['minor', 'ok'], true, 'major'],
  ];
  for (const [plugins, unreachable, expected] of table) {
    it(`[${plugins.join(', ')}] ${unreachable ? 'unreachable' : 'reachable'} → ${expected}`, () => {
      assert.equal(hostSeverity(plugins, unreachable), expected);
    });
  }
});
