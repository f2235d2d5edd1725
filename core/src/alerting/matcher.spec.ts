import assert from 'node:assert/strict';
import type { Severity } from '@prophasis/protocol';
import type { Transition } from './feed.js';
import { alertMatches, matchTransitions, scopesMatch } from './matcher.js';
import type { AlertRule } from './rules.js';

type Scopes = Partial<Omit<AlertRule['scopes'], 'hostIds' | 'serviceIds' | 'pluginIds'>> & { hostIds?: number[]; serviceIds?: number[]; pluginIds?: number[] };

function rule(scopes: Scopes, from: Severity[] = ['ok'], to: Severity[] = ['major', 'critical']): AlertRule {
  return {
    id: 1,
    name: 'r',
    module: 'webhook',
    settings: {},
    fromStates: new Set(from),
    toStates: new Set(to),
    repeatMs: null,
    escalations: [],
    scopes: {
      restrictsHosts: scopes.restrictsHosts ?? (scopes.hostIds?.length ?? 0) > 0,
      hostIds: new Set(scopes.hostIds ?? []),
      serviceIds: new Set(scopes.serviceIds ?? []),
      pluginIds: new Set(scopes.pluginIds ?? []),
      checks: scopes.checks ?? [],
    },
  };
}

const host = (hostId: number, pluginId: number | null = null, from: Severity = 'ok', to: Severity = 'major'): Transition => ({
  hostId,
  serviceId: null,
  pluginId,
  from,
  to,
  at: 1,
  late: false,
});
const service = (serviceId: number, from: Severity = 'ok', to: Severity = 'critical'): Transition => ({ hostId: null, serviceId, pluginId: null, from, to, at: 1, late: false });

// Host 1 and 2 are in group G (2 through a nested group, expanded by loadAlertRules); host 3 is not.
const H1 = 1;
const H2 = 2;
const H3 = 3;
const CPU = 10;
const DISK = 11;
const MEM = 12;

describe('alerting: scope matching', () => {
  const cases: { name: string; scopes: Scopes; transition: Transition; expected: boolean }[] = [
    { name: 'no scope matches nothing (host)', scopes: {}, transition: host(H1), expected: false },
    { name: 'no scope matches nothing (service)', scopes: {}, transition: service(5), expected: false },
    { name: 'no scope matches nothing (plugin)', scopes: {}, transition: host(H1, CPU), expected: false },

    { name: 'host scope: the host’s own transition', scopes: { hostIds: [H1] }, transition: host(H1), expected: true },
    { name: 'host scope: another host', scopes: { hostIds: [H1] }, transition: host(H3), expected: false },
    { name: 'host scope: a plugin transition of the host is not a second alert', scopes: { hostIds: [H1] }, transition: host(H1, CPU), expected: false },
    { name: 'host scope: a service transition', scopes: { hostIds: [H1] }, transition: service(5), expected: false },

    { name: 'group scope: direct member', scopes: { hostIds: [H1, H2], restrictsHosts: true }, transition: host(H1), expected: true },
    { name: 'group scope: nested member', scopes: { hostIds: [H1, H2], restrictsHosts: true }, transition: host(H2), expected: true },
    { name: 'group scope: outsider', scopes: { hostIds: [H1, H2], restrictsHosts: true }, transition: host(H3), expected: false },
    { name: 'group scope: an empty group matches no host', scopes: { hostIds: [], restrictsHosts: true }, transition: host(H1), expected: false },

    { name: 'service scope: its service', scopes: { serviceIds: [5] }, transition: service(5), expected: true },
    { name: 'service scope: another service', scopes: { serviceIds: [5] }, transition: service(6), expected: false },
    { name: 'service scope: no host transition', scopes: { serviceIds: [5] }, transition: host(H1), expected: false },

    { name: 'plugin scope: that plugin on any host', scopes: { pluginIds: [CPU] }, transition: host(H3, CPU), expected: true },
    { name: 'plugin scope: another plugin', scopes: { pluginIds: [CPU] }, transition: host(H3, DISK), expected: false },
    { name: 'plugin scope: not the host’s own severity', scopes: { pluginIds: [CPU] }, transition: host(H3), expected: false },
    { name: 'plugin + host scope: both must hold', scopes: { pluginIds: [CPU], hostIds: [H1] }, transition: host(H1, CPU), expected: true },
    { name: 'plugin + host scope: plugin on another host', scopes: { pluginIds: [CPU], hostIds: [H1] }, transition: host(H3, CPU), expected: false },

    { name: 'check scope: a plugin the check runs on a host it covers', scopes: { checks: [{ id: 7, hostIds: new Set([H1, H2]), pluginIds: new Set([CPU, DISK]) }] }, transition: host(H2, DISK), expected: true },
    { name: 'check scope: a plugin outside the check', scopes: { checks: [{ id: 7, hostIds: new Set([H1, H2]), pluginIds: new Set([CPU, DISK]) }] }, transition: host(H2, MEM), expected: false },
    { name: 'check scope: a host the check does not cover', scopes: { checks: [{ id: 7, hostIds: new Set([H1, H2]), pluginIds: new Set([CPU, DISK]) }] }, transition: host(H3, CPU), expected: false },
    { name: 'check scope: not the host’s own severity', scopes: { checks: [{ id: 7, hostIds: new Set([H1]), pluginIds: new Set([CPU]) }] }, transition: host(H1), expected: false },
    { name: 'check or plugin scope: either suffices', scopes: { pluginIds: [MEM], checks: [{ id: 7, hostIds: new Set([H1]), pluginIds: new Set([CPU]) }] }, transition: host(H3, MEM), expected: true },

    { name: 'mixed service + host scopes: the service', scopes: { serviceIds: [5], hostIds: [H1] }, transition: service(5), expected: true },
    { name: 'mixed service + host scopes: the host', scopes: { serviceIds: [5], hostIds: [H1] }, transition: host(H1), expected: true },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.expected ? 'match' : 'no match'}`, () => assert.equal(scopesMatch(rule(c.scopes), c.transition), c.expected));
  }
});

describe('alerting: from/to states', () => {
  const r = rule({ hostIds: [H1] }, ['ok', 'no_data'], ['major', 'minor']);
  const cases: [Severity, Severity, boolean][] = [
    ['ok', 'major', true],
    ['no_data', 'minor', true],
    ['ok', 'degraded', false],
    ['major', 'ok', false],
    ['unknown', 'major', false],
  ];
  for (const [from, to, expected] of cases) {
    it(`${from} → ${to}: ${expected ? 'match' : 'no match'}`, () => assert.equal(alertMatches(r, host(H1, null, from, to)), expected));
  }

  it('pairs every matching alert with every matching transition, in order', () => {
    const a = { ...rule({ hostIds: [H1] }), id: 1 };
    const b = { ...rule({ pluginIds: [CPU] }), id: 2 };
    const pairs = matchTransitions([a, b], [host(H1, CPU), host(H1), host(H3, CPU, 'major', 'ok')]);
    assert.deepEqual(
      pairs.map((p) => [p.rule.id, p.transition.pluginId]),
      [
        [2, CPU],
        [1, null],
      ],
    );
  });
});
