import assert from 'node:assert/strict';
import { hostPresence, type PresenceColumns } from './index.js';

describe('presence', () => {
  const enrolled: PresenceColumns = { enrolmentState: 'enrolled', connectedSince: null, lastSeen: null, unreachableSince: null };
  const table: [string, PresenceColumns, ReturnType<typeof hostPresence>][] = [
    ['pending', { ...enrolled, enrolmentState: 'pending' }, { state: 'pending', since: null, lastSeen: null }],
    ['revoked, even while unreachable', { ...enrolled, enrolmentState: 'revoked', lastSeen: 5, unreachableSince: 9 }, { state: 'revoked', since: null, lastSeen: 5 }],
    ['connected since', { ...enrolled, connectedSince: 100, lastSeen: 150 }, { state: 'connected', since: 100, lastSeen: 150 }],
    ['disconnected since it was last heard from', { ...enrolled, lastSeen: 150 }, { state: 'disconnected', since: 150, lastSeen: 150 }],
    ['never connected', enrolled, { state: 'disconnected', since: null, lastSeen: null }],
    ['unreachable since the grace period ran out', { ...enrolled, lastSeen: 150, unreachableSince: 240 }, { state: 'unreachable', since: 240, lastSeen: 150 }],
  ];
  for (const [name, columns, expected] of table) it(name, () => assert.deepEqual(hostPresence(columns), expected));
});
