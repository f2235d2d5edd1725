import { isProphasisError, RegistryPluginPage } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { MarketErrors } from '../errors.js';
import { assertServable, keyInfo, pageOf, summaryOf, type LimitViolation, type PluginFields, type VersionFields } from './listing.js';

const plugin: PluginFields = { pluginId: 'com.example.raid', name: 'RAID health', description: 'Checks RAID arrays', readme: '# RAID\n', tags: ['storage'], platforms: ['linux'], downloadCount: 3 };
const version = (v: string): VersionFields => ({ version: v, sha256: 'a'.repeat(64), size: 100, keyId: 'b'.repeat(64), capabilities: ['os.info'], changelog: '', publishedAt: 1, yankedAt: null, downloads: 0 });
const key = (i: number) => keyInfo({ keyId: i.toString(16).padStart(64, '0'), publicKeyPem: 'PEM', addedAt: i, revokedAt: null });
const publisher = { name: 'Acme', keys: [key(1)] };

/** Runs `fn`, which must refuse with MKT_LISTING_TOO_LARGE; returns its message and violations. */
function refusal(fn: () => void): { message: string; violations: LimitViolation[] } {
  try {
    fn();
  } catch (err) {
    assert.ok(isProphasisError(err, MarketErrors.LISTING_TOO_LARGE), String(err));
    return { message: err.message, violations: (err.details as { violations: LimitViolation[] }).violations };
  }
  assert.fail('not refused');
}

describe('registry listings within the protocol limits', () => {
  it('lets a listing within every limit through', () => {
    assert.doesNotThrow(() =>
      assertServable('com.example.raid 1.0.0', { 'search hit': summaryOf(plugin, version('1.0.0'), 'Acme'), 'plugin page': pageOf(plugin, [version('1.0.0')], publisher) }),
    );
  });

  it('names the field, the limit from the protocol schema and the actual size of an over-long README', () => {
    const limit = RegistryPluginPage.properties.readme.maxLength!;
    const { message, violations } = refusal(() => assertServable('com.example.raid 1.0.0', { 'plugin page': pageOf({ ...plugin, readme: 'x'.repeat(limit + 1) }, [version('1.0.0')], publisher) }));
    assert.deepEqual(violations, [{ field: 'readme', limit, actual: limit + 1, unit: 'characters' }]);
    assert.match(message, new RegExp(`com\\.example\\.raid 1\\.0\\.0: readme has ${limit + 1} characters, the limit is ${limit}`));
  });

  it('says a limit the search hit and the page share once, and every other one too', () => {
    const maxTags = RegistryPluginPage.properties.tags.maxItems!;
    const tags = Array.from({ length: maxTags + 1 }, (_, i) => `tag${i}`);
    const long = { ...plugin, tags, description: 'd'.repeat(RegistryPluginPage.properties.description.maxLength! + 1) };
    const { violations } = refusal(() =>
      assertServable('com.example.raid 1.0.0', { 'search hit': summaryOf(long, version('1.0.0'), 'Acme'), 'plugin page': pageOf(long, [version('1.0.0')], publisher) }),
    );
    assert.deepEqual(violations.map((v) => [v.field, v.unit, v.actual]).sort(), [
      ['description', 'characters', RegistryPluginPage.properties.description.maxLength! + 1],
      ['tags', 'items', maxTags + 1],
    ]);
  });

  it('counts versions and keys, and names an item inside a list by its index', () => {
    const maxVersions = RegistryPluginPage.properties.versions.maxItems!;
    const many = Array.from({ length: maxVersions + 1 }, (_, i) => version(`1.0.${i}`));
    const { violations } = refusal(() => assertServable('com.example.raid 1.0.10000', { 'plugin page': pageOf(plugin, many, publisher) }));
    assert.deepEqual(violations, [{ field: 'versions', limit: maxVersions, actual: maxVersions + 1, unit: 'items' }]);

    const maxKeys = RegistryPluginPage.properties.publisher.properties.keys.maxItems!;
    const keys = Array.from({ length: maxKeys + 1 }, (_, i) => key(i + 1));
    const tooMany = refusal(() => assertServable('key …', { publisher: { name: 'Acme', keys } }));
    assert.deepEqual(tooMany.violations, [{ field: 'keys', limit: maxKeys, actual: maxKeys + 1, unit: 'items' }]);

    const changelog = { ...version('1.0.0'), changelog: 'c'.repeat(RegistryPluginPage.properties.versions.items.properties.changelog.maxLength! + 1) };
    assert.equal(refusal(() => assertServable('x', { 'plugin page': pageOf(plugin, [changelog], publisher) })).violations[0]!.field, 'versions[0].changelog');
  });

  it('reports five reasons at most, and how many more there are', () => {
    const tags = Array.from({ length: 8 }, () => 't'.repeat(RegistryPluginPage.properties.tags.items.maxLength! + 1));
    const { message, violations } = refusal(() => assertServable('x', { 'plugin page': pageOf({ ...plugin, tags }, [version('1.0.0')], publisher) }));
    assert.equal(violations.length, 8);
    assert.match(message, /tags\[4\] has 65 characters, the limit is 64; and 3 more$/);
  });

  it('throws a plain error (a registry bug, not a publisher mistake) for a mismatch that is not a limit', () => {
    assert.throws(
      () => assertServable('x', { 'search hit': { ...summaryOf(plugin, version('1.0.0'), 'Acme'), latestSha256: 'not a hash' } }),
      (err: unknown) => !isProphasisError(err) && /search hit would not match its schema \(\/latestSha256/.test((err as Error).message),
    );
  });
});
