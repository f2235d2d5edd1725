import {
  BundleErrors,
  isProphasisError,
  parsePublicKey,
  publicKeyFingerprint,
  trustKeys,
  verifyBundle,
  type Logger,
  type RegistryKey,
  type RegistryPluginPage,
  type RegistryPluginSummary,
  type RegistrySearchQuery,
  type RegistryVersion,
  type VerifiedBundle,
} from '@prophasis/protocol';
import { verify } from 'node:crypto';
import { UniqueConstraintError, type Transaction } from 'sequelize';
import { MarketErrors } from '../errors.js';
import { keyAdditionMessage, type PublishResult } from '../schemas.js';
import { compareSemver } from '@prophasis/protocol';
import type { BundleStore } from './bundle-store.js';
import type { MarketDatabase, PluginRow, Publisher, PublisherKey, VersionRow } from './db.js';
import { assertServable, keyInfo, pageOf, SEARCH_MAX_ITEMS, summaryOf, versionInfo, type VersionFields } from './listing.js';
import { issueToken, parseToken, tokenMatches } from './tokens.js';

/** The registry's rules, independent of HTTP: accounts, keys, publishing, yanking, the index, downloads. */
export interface Registry {
  /** Creates a publisher with its first key; returns the API token, shown once. */
  addPublisher(name: string, publicKeyPem: string): Promise<{ publisher: string; keyId: string; token: string }>;
  /** Replaces a publisher's token (the old one stops working); returns the new one, shown once. */
  renewToken(name: string): Promise<{ publisher: string; token: string }>;
  /** The publisher a bearer token belongs to; `MKT_UNAUTHENTICATED` otherwise. */
  authenticate(authorization: string | undefined): Promise<Publisher>;
  publisherInfo(publisher: Publisher): Promise<{ name: string; keys: RegistryKey[] }>;
  addKey(publisher: Publisher, input: { publicKeyPem: string; signedBy: string; signature: string }): Promise<RegistryKey>;
  revokeKey(publisher: Publisher, keyId: string): Promise<RegistryKey>;
  publish(publisher: Publisher, zip: Buffer): Promise<PublishResult>;
  yank(publisher: Publisher, pluginId: string, version: string): Promise<RegistryVersion>;
  search(query: RegistrySearchQuery): Promise<RegistryPluginSummary[]>;
  page(pluginId: string): Promise<RegistryPluginPage>;
  /** A version's bundle by id and version (refused when yanked), counted as a download. */
  downloadVersion(pluginId: string, version: string): Promise<{ sha256: string; zip: Buffer }>;
  /** A bundle by hash, yanked or not, counted as a download. */
  downloadHash(sha256: string): Promise<Buffer>;
}

const PUBLISHER_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;

/** Creates the registry over its database and bundle store. */
export function createRegistry(deps: { db: MarketDatabase; store: BundleStore; logger: Logger; now?: () => number }): Registry {
  const { db, store } = deps;
  const { Publisher, PublisherKey, Plugin, Version } = db.models;
  const logger = deps.logger.child({ component: 'registry' });
  const now = deps.now ?? Date.now;

  const newestFirst = <V extends VersionFields>(rows: V[]) => [...rows].sort((a, b) => compareSemver(b.version, a.version));
  const allKeys = (publisherId: number, transaction?: Transaction) => PublisherKey.findAll({ where: { publisherId }, order: [['addedAt', 'ASC']], transaction });

  async function activeKeys(publisherId: number, transaction?: Transaction): Promise<PublisherKey[]> {
    return PublisherKey.findAll({ where: { publisherId, revokedAt: null }, transaction });
  }

  async function ownedPlugin(publisher: Publisher, pluginId: string): Promise<PluginRow> {
    const plugin = await Plugin.findOne({ where: { pluginId } });
    if (!plugin) throw MarketErrors.NOT_FOUND(`plugin ${pluginId}`);
    if (plugin.publisherId !== publisher.id) throw MarketErrors.NOT_OWNER(pluginId);
    return plugin;
  }

  /** The registry rules on top of a verified bundle, in one transaction. */
  async function store_(publisher: Publisher, bundle: VerifiedBundle, zip: Buffer): Promise<PublishResult> {
    const m = bundle.manifest;
    const capabilities = [...new Set(m.capabilities)].sort();
    const result: PublishResult = { created: true, pluginId: m.id, version: m.version, sha256: bundle.sha256, size: zip.length, keyId: bundle.keyId, capabilities };
    return db.sequelize.transaction(async (transaction) => {
      // Locked (PostgreSQL) so two publications of one plugin apply the version rules one after the other.
      let plugin = await Plugin.findOne({ where: { pluginId: m.id }, transaction, lock: transaction.LOCK.UPDATE });
      if (plugin && plugin.publisherId !== publisher.id) throw MarketErrors.PLUGIN_OWNED(`${m.id} is published by another account`);
      const versions = plugin ? await Version.findAll({ where: { pluginRowId: plugin.id }, transaction }) : [];
      const same = versions.find((v) => v.version === m.version);
      if (same) {
        // Publishing exactly the same bundle again is harmless (a retried upload); other bytes never replace it.
        if (same.sha256 === bundle.sha256) return { ...result, created: false };
        throw MarketErrors.VERSION_EXISTS(`${m.id} ${m.version} is published as ${same.sha256}`, { pluginId: m.id, version: m.version, publishedSha256: same.sha256 });
      }
      const highest = newestFirst(versions)[0];
      if (highest && compareSemver(m.version, highest.version) <= 0) {
        throw MarketErrors.VERSION_NOT_GREATER(`${m.id} ${m.version} is not greater than ${highest.version}${highest.yankedAt !== null ? ' (yanked)' : ''}`, { highest: highest.version });
      }
      const readme = m.readme ? (bundle.files.get(m.readme)?.toString('utf8') ?? '') : '';
      const meta = { name: m.name, description: m.description, tags: m.tags ?? [], platforms: m.platforms ?? [], readme };
      const version = { version: m.version, sha256: bundle.sha256, size: zip.length, keyId: bundle.keyId, capabilities, changelog: m.changelog ?? '', yankedAt: null, publishedAt: now(), downloads: 0 };
      // What search and the plugin page would serve afterwards, checked against the protocol's
      // limits before anything is written: a listing every core refuses is never created.
      const listed = { pluginId: m.id, downloadCount: plugin?.downloadCount ?? 0, ...meta };
      const keys = (await allKeys(publisher.id, transaction)).map(keyInfo);
      assertServable(`${m.id} ${m.version}`, {
        'search hit': summaryOf(listed, version, publisher.name),
        'plugin page': pageOf(listed, [version, ...newestFirst(versions)], { name: publisher.name, keys }),
      });
      if (!store.has(bundle.sha256)) store.put(bundle.sha256, zip);
      if (plugin) await plugin.update(meta, { transaction });
      else plugin = await Plugin.create({ pluginId: m.id, publisherId: publisher.id, downloadCount: 0, ...meta }, { transaction });
      await Version.create({ pluginRowId: plugin.id, manifest: m, ...version }, { transaction });
      return result;
    });
  }

  return {
    async addPublisher(name, publicKeyPem) {
      if (!PUBLISHER_NAME.test(name)) throw MarketErrors.BAD_PUBLISHER_NAME('1 to 100 characters: letters, digits, space, . _ -, starting with a letter or digit');
      const key = parsePublicKey(publicKeyPem);
      const keyId = publicKeyFingerprint(key);
      const first = { keyId, publicKeyPem: key.export({ format: 'pem', type: 'spki' }).toString(), addedAt: now(), revokedAt: null };
      assertServable(`publisher ${name}`, { publisher: { name, keys: [keyInfo(first)] } });
      return db.sequelize.transaction(async (transaction) => {
        if (await Publisher.findOne({ where: { name }, transaction })) throw MarketErrors.PUBLISHER_EXISTS(name);
        if (await PublisherKey.findByPk(keyId, { transaction })) throw MarketErrors.KEY_EXISTS(keyId);
        // The token names the row, so the row exists before its hash is known.
        const row = await Publisher.create({ name, tokenHash: 'pending', created: now() }, { transaction });
        const { token, hash } = issueToken(row.id);
        await row.update({ tokenHash: hash }, { transaction });
        await PublisherKey.create({ ...first, publisherId: row.id }, { transaction });
        logger.info({ publisher: name, keyId }, 'publisher added');
        return { publisher: name, keyId, token };
      });
    },

    async renewToken(name) {
      const row = await Publisher.findOne({ where: { name } });
      if (!row) throw MarketErrors.NOT_FOUND(`publisher ${name}`);
      const { token, hash } = issueToken(row.id);
      await row.update({ tokenHash: hash });
      logger.info({ publisher: name }, 'publisher token renewed');
      return { publisher: name, token };
    },

    async authenticate(authorization) {
      const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
      const parsed = m ? parseToken(m[1]!) : undefined;
      if (!parsed) throw MarketErrors.UNAUTHENTICATED();
      const row = await Publisher.findByPk(parsed.publisherId);
      if (!row || !tokenMatches(parsed.secret, row.tokenHash)) throw MarketErrors.UNAUTHENTICATED();
      return row;
    },

    async publisherInfo(publisher) {
      return { name: publisher.name, keys: (await allKeys(publisher.id)).map(keyInfo) };
    },

    async addKey(publisher, input) {
      const key = parsePublicKey(input.publicKeyPem);
      const keyId = publicKeyFingerprint(key);
      const signer = (await activeKeys(publisher.id)).find((k) => k.keyId === input.signedBy);
      if (!signer) throw MarketErrors.BAD_KEY_SIGNATURE(`${input.signedBy} is not one of your active keys`);
      let ok = false;
      try {
        ok = verify(null, keyAdditionMessage(publisher.name, keyId), parsePublicKey(signer.publicKeyPem), Buffer.from(input.signature, 'base64'));
      } catch {
        ok = false;
      }
      if (!ok) throw MarketErrors.BAD_KEY_SIGNATURE(`the signature by ${input.signedBy} does not cover key ${keyId} for ${publisher.name}`);
      const added = { keyId, publicKeyPem: key.export({ format: 'pem', type: 'spki' }).toString(), addedAt: now(), revokedAt: null };
      return db.sequelize.transaction(async (transaction) => {
        // Locked (PostgreSQL) so two key additions at once cannot both pass the limit on keys.
        await Publisher.findByPk(publisher.id, { transaction, lock: transaction.LOCK.UPDATE });
        if (await PublisherKey.findByPk(keyId, { transaction })) throw MarketErrors.KEY_EXISTS(keyId);
        // Every plugin page lists all of the publisher's keys, revoked ones included.
        const keys = (await allKeys(publisher.id, transaction)).map(keyInfo);
        assertServable(`key ${keyId}`, { publisher: { name: publisher.name, keys: [...keys, keyInfo(added)] } });
        const row = await PublisherKey.create({ ...added, publisherId: publisher.id }, { transaction });
        logger.info({ publisher: publisher.name, keyId, signedBy: input.signedBy }, 'publisher key added');
        return keyInfo(row);
      });
    },

    async revokeKey(publisher, keyId) {
      return db.sequelize.transaction(async (transaction) => {
        const active = await activeKeys(publisher.id, transaction);
        const row = active.find((k) => k.keyId === keyId);
        if (!row) throw MarketErrors.NOT_FOUND(`active key ${keyId}`);
        if (active.length === 1) throw MarketErrors.LAST_KEY();
        await row.update({ revokedAt: now() }, { transaction });
        logger.info({ publisher: publisher.name, keyId }, 'publisher key revoked');
        return keyInfo(row);
      });
    },

    async publish(publisher, zip) {
      const keys = await activeKeys(publisher.id);
      let bundle: VerifiedBundle;
      try {
        bundle = verifyBundle(zip, { trustedKeys: trustKeys(keys.map((k) => parsePublicKey(k.publicKeyPem))) });
      } catch (err) {
        if (isProphasisError(err, BundleErrors.UNKNOWN_PUBLISHER)) {
          throw MarketErrors.KEY_NOT_REGISTERED(`signed by ${err.message.replace(/^.*: key /, '')}; register the key first (docs/marketplace.md)`);
        }
        throw err;
      }
      let result: PublishResult;
      try {
        result = await store_(publisher, bundle, zip).catch((err: unknown) => {
          // Two first publications of one id race on the unique plugin_id; the loser re-runs the rules.
          if (err instanceof UniqueConstraintError) return store_(publisher, bundle, zip);
          throw err;
        });
      } catch (err) {
        if (isProphasisError(err)) logger.info({ publisher: publisher.name, code: err.code, pluginId: bundle.manifest.id, version: bundle.manifest.version }, 'publish refused');
        throw err;
      }
      if (result.created) logger.info({ publisher: publisher.name, pluginId: result.pluginId, version: result.version, sha256: result.sha256 }, 'published');
      return result;
    },

    async yank(publisher, pluginId, version) {
      const plugin = await ownedPlugin(publisher, pluginId);
      const row = await Version.findOne({ where: { pluginRowId: plugin.id, version } });
      if (!row) throw MarketErrors.NOT_FOUND(`${pluginId} ${version}`);
      if (row.yankedAt === null) {
        await row.update({ yankedAt: now() });
        logger.info({ publisher: publisher.name, pluginId, version }, 'yanked');
      }
      return versionInfo(row);
    },

    async search(query) {
      const [plugins, versions, publishers] = await Promise.all([
        Plugin.findAll(),
        Version.findAll({ where: { yankedAt: null }, attributes: ['pluginRowId', 'version', 'sha256', 'capabilities', 'publishedAt'] }),
        Publisher.findAll({ attributes: ['id', 'name'] }),
      ]);
      const names = new Map(publishers.map((p) => [p.id, p.name]));
      const latest = new Map<number, VersionRow>();
      for (const v of versions) {
        const current = latest.get(v.pluginRowId);
        if (!current || compareSemver(v.version, current.version) > 0) latest.set(v.pluginRowId, v);
      }
      const q = query.q?.trim().toLowerCase();
      const tag = query.tag?.toLowerCase();
      const platform = query.platform?.toLowerCase();
      const out: RegistryPluginSummary[] = [];
      for (const p of plugins) {
        const v = latest.get(p.id);
        if (!v) continue; // every version yanked: no longer offered
        if (tag && !p.tags.some((t) => t.toLowerCase() === tag)) continue;
        // A plugin that names no platforms runs on all of them.
        if (platform && p.platforms.length > 0 && !p.platforms.some((x) => x.toLowerCase() === platform)) continue;
        if (q && ![p.pluginId, p.name, p.description, ...p.tags].some((s) => s.toLowerCase().includes(q))) continue;
        out.push(summaryOf(p, v, names.get(p.publisherId) ?? ''));
      }
      // The core refuses an answer with more hits than the protocol allows: the most downloaded ones.
      return out.sort((a, b) => b.downloads - a.downloads || a.id.localeCompare(b.id)).slice(0, SEARCH_MAX_ITEMS);
    },

    async page(pluginId) {
      const plugin = await Plugin.findOne({ where: { pluginId } });
      if (!plugin) throw MarketErrors.NOT_FOUND(`plugin ${pluginId}`);
      const [versions, publisher, keys] = await Promise.all([
        Version.findAll({ where: { pluginRowId: plugin.id }, attributes: { exclude: ['manifest'] } }),
        Publisher.findByPk(plugin.publisherId, { attributes: ['id', 'name'] }),
        allKeys(plugin.publisherId),
      ]);
      return pageOf(plugin, newestFirst(versions), { name: publisher?.name ?? '', keys: keys.map(keyInfo) });
    },

    async downloadVersion(pluginId, version) {
      const plugin = await Plugin.findOne({ where: { pluginId } });
      const row = plugin ? await Version.findOne({ where: { pluginRowId: plugin.id, version }, attributes: { exclude: ['manifest'] } }) : null;
      if (!plugin || !row) throw MarketErrors.NOT_FOUND(`${pluginId} ${version}`);
      if (row.yankedAt !== null) throw MarketErrors.VERSION_YANKED(`${pluginId} ${version}; download it by hash: /api/v1/bundles/${row.sha256}`, { sha256: row.sha256 });
      const zip = store.get(row.sha256);
      await Promise.all([row.increment('downloads'), plugin.increment('downloadCount')]);
      return { sha256: row.sha256, zip };
    },

    async downloadHash(sha256) {
      const row = await Version.findOne({ where: { sha256 }, attributes: { exclude: ['manifest'] } });
      if (!row) throw MarketErrors.NOT_FOUND(`bundle ${sha256}`);
      const zip = store.get(sha256);
      await Promise.all([row.increment('downloads'), Plugin.increment('downloadCount', { where: { id: row.pluginRowId } })]);
      return zip;
    },
  };
}
