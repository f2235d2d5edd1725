import { RegistryPluginPage, RegistryPluginSummary, RegistrySearchResponse, type RegistryKey, type RegistryVersion } from '@prophasis/protocol';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { TSchema } from '@sinclair/typebox';
import { MarketErrors } from '../errors.js';
import type { PluginRow, PublisherKey, VersionRow } from './db.js';

/**
 * What the read API serves (search hits, plugin pages, versions, keys), built in one place from
 * the rows, and the check that keeps it servable. The core checks every registry answer against
 * the protocol's schemas (protocol/src/api-marketplace.ts) and refuses one that breaks a limit,
 * so the registry refuses to *create* such a listing (publish, add-key, publisher add) with
 * `MKT_LISTING_TOO_LARGE`, before anything is stored. The limits are read from those same
 * schemas, never restated here.
 */

/** The plugin-level fields of a listing: a stored row, or the row a publication would write. */
export type PluginFields = Pick<PluginRow, 'pluginId' | 'name' | 'description' | 'readme' | 'tags' | 'platforms' | 'downloadCount'>;
/** The version-level fields of a listing: a stored row, or the row a publication would write. */
export type VersionFields = Pick<VersionRow, 'version' | 'sha256' | 'size' | 'keyId' | 'capabilities' | 'changelog' | 'publishedAt' | 'yankedAt' | 'downloads'>;
/** A publisher as its plugin pages show it. */
export type ListedPublisher = RegistryPluginPage['publisher'];

/** Most hits one search answers (`RegistrySearchResponse.items.maxItems`); a bigger index answers its most downloaded. */
export const SEARCH_MAX_ITEMS = RegistrySearchResponse.properties.items.maxItems ?? Number.POSITIVE_INFINITY;

export const keyInfo = (k: Pick<PublisherKey, 'keyId' | 'publicKeyPem' | 'addedAt' | 'revokedAt'>): RegistryKey => ({
  keyId: k.keyId,
  publicKeyPem: k.publicKeyPem,
  addedAt: k.addedAt,
  revokedAt: k.revokedAt,
});

export const versionInfo = (v: VersionFields): RegistryVersion => ({
  version: v.version,
  sha256: v.sha256,
  size: v.size,
  keyId: v.keyId,
  capabilities: v.capabilities,
  changelog: v.changelog,
  publishedAt: v.publishedAt,
  yanked: v.yankedAt !== null,
  yankedAt: v.yankedAt,
  downloads: v.downloads,
});

/** A search hit: the plugin with its latest version that is not yanked. */
export function summaryOf(plugin: PluginFields, latest: VersionFields, publisher: string): RegistryPluginSummary {
  return {
    id: plugin.pluginId,
    name: plugin.name,
    description: plugin.description,
    publisher,
    tags: plugin.tags,
    platforms: plugin.platforms,
    latestVersion: latest.version,
    latestSha256: latest.sha256,
    capabilities: latest.capabilities,
    downloads: plugin.downloadCount,
    updatedAt: latest.publishedAt,
  };
}

/** A plugin page; `newestFirst` are all its versions, yanked ones included. */
export function pageOf(plugin: PluginFields, newestFirst: VersionFields[], publisher: ListedPublisher): RegistryPluginPage {
  return {
    id: plugin.pluginId,
    name: plugin.name,
    description: plugin.description,
    readme: plugin.readme,
    tags: plugin.tags,
    platforms: plugin.platforms,
    downloads: plugin.downloadCount,
    latestVersion: newestFirst.find((v) => v.yankedAt === null)?.version ?? null,
    publisher,
    versions: newestFirst.map(versionInfo),
  };
}

/** One limit a listing would break. */
export interface LimitViolation {
  /** Where in the served shape, e.g. `readme`, `tags`, `versions[0].changelog`, `publisher.keys`. */
  field: string;
  limit: number;
  actual: number;
  unit: 'characters' | 'items';
}

const SHAPES = {
  'search hit': TypeCompiler.Compile(RegistryPluginSummary),
  'plugin page': TypeCompiler.Compile(RegistryPluginPage),
  publisher: TypeCompiler.Compile(RegistryPluginPage.properties.publisher),
} satisfies Record<string, TypeCheck<TSchema>>;
export type ListingShape = keyof typeof SHAPES;

/** Reported at most, so a bundle with a thousand long tags gets a readable message. */
const MAX_REPORTED = 5;

/**
 * Refuses, with `MKT_LISTING_TOO_LARGE` naming each field, its limit and its actual size, to
 * create a listing the read API would serve as one of `listings` and the core would refuse.
 * Anything else that does not match the schema is a registry bug, thrown as a plain error
 * (`MKT_INTERNAL`, logged): either way nothing is stored.
 *
 * @param subject what is being created, for the message (`com.example.raid 1.0.0`, `key …`)
 */
export function assertServable(subject: string, listings: Partial<Record<ListingShape, unknown>>): void {
  const violations = new Map<string, LimitViolation>();
  for (const [shape, value] of Object.entries(listings) as [ListingShape, unknown][]) {
    const check = SHAPES[shape];
    if (check.Check(value)) continue;
    for (const error of check.Errors(value)) {
      const violation = limitViolation(error);
      if (!violation) throw new Error(`${subject}: the ${shape} would not match its schema (${error.path || '/'}: ${error.message})`);
      // A search hit and a plugin page share their text and tags: one reason, said once.
      violations.set(`${violation.field}/${violation.limit}`, violation);
    }
  }
  if (violations.size === 0) return;
  const list = [...violations.values()];
  const reasons = list.slice(0, MAX_REPORTED).map((v) => `${v.field} has ${v.actual} ${v.unit}, the limit is ${v.limit}`);
  if (list.length > MAX_REPORTED) reasons.push(`and ${list.length - MAX_REPORTED} more`);
  throw MarketErrors.LISTING_TOO_LARGE(`${subject}: ${reasons.join('; ')}`, { violations: list });
}

function limitViolation(error: ValueError): LimitViolation | undefined {
  const field = fieldName(error.path);
  if (error.type === ValueErrorType.StringMaxLength && typeof error.value === 'string' && typeof error.schema.maxLength === 'number') {
    return { field, limit: error.schema.maxLength, actual: error.value.length, unit: 'characters' };
  }
  if (error.type === ValueErrorType.ArrayMaxItems && Array.isArray(error.value) && typeof error.schema.maxItems === 'number') {
    return { field, limit: error.schema.maxItems, actual: error.value.length, unit: 'items' };
  }
  return undefined;
}

/** `/versions/0/changelog` → `versions[0].changelog`. */
function fieldName(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
}
