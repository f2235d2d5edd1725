import assert from 'node:assert/strict';
import { isFleetToken } from '@prophasis/protocol';
import { compileHostnamePattern, fleetTokenStatus, matchRules, type RuleSpec } from './fleet.js';

const rule = (id: number, spec: Partial<RuleSpec>): RuleSpec => ({ id, hostnamePattern: null, platform: null, arch: null, groupIds: [id * 10], stop: false, ...spec });
const host = (hostname: string, platform = 'linux', arch = 'x64') => ({ hostname, platform, arch });

describe('fleet tokens and registration rules', () => {
  it('tells a fleet token from a single-use one by its length and prefix', () => {
    assert.equal(isFleetToken(`pfleet_${'A'.repeat(43)}`), true);
    assert.equal(isFleetToken('A'.repeat(43)), false); // a single-use token
    assert.equal(isFleetToken(`pfleet_${'A'.repeat(42)}`), false);
    assert.equal(isFleetToken(`xfleet_${'A'.repeat(43)}`), false);
  });

  it('matches host names by glob (case-insensitive) or by /regex/', () => {
    const glob = compileHostnamePattern('web-*.example.lan');
    assert.deepEqual(['web-1.example.lan', 'WEB-2.EXAMPLE.LAN', 'db-1.example.lan', 'web-1.example.lan.evil'].map(glob), [true, true, false, false]);
    const set = compileHostnamePattern('{db,cache}-[0-9]');
    assert.deepEqual(['db-1', 'cache-7', 'db-12'].map(set), [true, true, false]);
    const regex = compileHostnamePattern('/^edge-[0-9]+$/');
    assert.deepEqual(['edge-17', 'Edge-2', 'edge-x'].map(regex), [true, true, false]);
  });

  it('refuses a regular expression that does not compile or could backtrack catastrophically, naming the field', () => {
    for (const pattern of ['/(a+)+$/', '/([a-z]*)*x/', '/[/']) {
      assert.throws(() => compileHostnamePattern(pattern), (err: Error & { code?: string; details?: { field?: string } }) => {
        assert.equal(err.code, 'CORE_ENROL_INVALID_PATTERN');
        assert.equal(err.details?.field, 'hostnamePattern');
        return true;
      });
    }
  });

  it('applies every matching rule in order until one with stop matches', () => {
    const rules = [rule(1, { platform: 'linux' }), rule(2, { arch: 'arm64', stop: true }), rule(3, { hostnamePattern: 'web-*' }), rule(4, {})];
    assert.deepEqual(matchRules(rules, host('web-1')), { ruleIds: [1, 3, 4], groupIds: [10, 30, 40] });
    assert.deepEqual(matchRules(rules, host('web-1', 'linux', 'arm64')), { ruleIds: [1, 2], groupIds: [10, 20] });
    assert.deepEqual(matchRules(rules, host('mac-1', 'Darwin', 'x64')), { ruleIds: [4], groupIds: [40] });
    // every condition of one rule must hold
    assert.deepEqual(matchRules([rule(5, { platform: 'linux', hostnamePattern: 'db-*' })], host('web-1')).ruleIds, []);
    // a stored pattern that no longer compiles matches nothing instead of failing the registration
    assert.deepEqual(matchRules([rule(6, { hostnamePattern: '/(a+)+$/' })], host('aaaa')).ruleIds, []);
  });

  it('says why a token admits no further host', () => {
    const token = { expiresAt: 2_000, revokedAt: null, maxHosts: 2, hostsRegistered: 1 };
    assert.equal(fleetTokenStatus(token, 1_000), 'active');
    assert.equal(fleetTokenStatus(token, 2_000), 'expired');
    assert.equal(fleetTokenStatus({ ...token, hostsRegistered: 2 }, 1_000), 'exhausted');
    assert.equal(fleetTokenStatus({ ...token, revokedAt: 500 }, 1_000), 'revoked');
    assert.equal(fleetTokenStatus({ ...token, maxHosts: null, hostsRegistered: 10_000 }, 1_000), 'active');
  });
});
