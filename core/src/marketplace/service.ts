import {
  BundleErrors,
  compareSemver,
  inspectBundle,
  parsePublicKey,
  publicKeyFingerprint,
  RegistryConfig,
  sha256Hex,
  trustKeys,
  verifyBundle,
  type BrowseQuery,
  type BrowseResponse,
  type InstallBody,
  type InstallResult,
  type Logger,
  type MarketplaceListing,
  type MarketplacePluginPage,
  type PluginVersionInfo,
  type ProphasisError,
  type RegistryFailure,
  type RegistryListed,
  type UpdatesResponse,
} from '@prophasis/protocol';
import { Value } from '@sinclair/typebox/value';
import type { Database } from '../db/index.js';
import type { Actor, PluginRepository, PluginSystemLog } from '../plugins/index.js';
import type { TrustStore } from '../plugins/index.js';
import { createRegistryClient, type ClientOptions, type RegistryClient } from './client.js';
import { MarketplaceErrors } from './errors.js';
import { ROLLOUTS_SETTING, type PluginRollouts } from './rollout.js';
import { Type } from '@sinclair/typebox';

/** Settings key of the configured registries (besides the local one). */
const REGISTRIES_SETTING = 'marketplaceRegistries';
/** Name of the marketplace the core runs itself (local.ts). */
const LOCAL_REGISTRY = 'local';

const StoredRegistries = Type.Array(RegistryConfig);
const StoredRollouts = Type.Record(
  Type.String(),
  Type.Object({ version: Type.String(), groups: Type.Array(Type.Integer()), startedAt: Type.Optional(Type.Integer()), abortedAt: Type.Optional(Type.Integer()) }),
);

export interface MarketplaceServiceDeps {
  db: Database;
  repository: Pick<PluginRepository, 'upload' | 'listVersions'>;
  trust: Pick<TrustStore, 'isTrusted' | 'add'>;
  systemLog: PluginSystemLog;
  logger: Logger;
  /** URL of the local marketplace while it runs (local.ts), else undefined. */
  localRegistryUrl?: () => string | undefined;
  client?: ClientOptions;
}

/**
 * The core's side of the marketplace (docs/marketplace.md): the configured registries, browsing
 * them, and installing a version into the plugin repository after checking it completely.
 */
export function createMarketplaceService(deps: MarketplaceServiceDeps) {
  const { db, repository, trust } = deps;
  const logger = deps.logger.child({ component: 'marketplace' });

  async function readSetting(key: string): Promise<unknown> {
    return (await db.models.Setting.findByPk(key))?.value;
  }
  async function writeSetting(key: string, value: unknown): Promise<void> {
    await db.models.Setting.upsert({ key, value, updatedAt: Date.now() });
  }

  async function storedRegistries(): Promise<{ name: string; url: string }[]> {
    const value = await readSetting(REGISTRIES_SETTING);
    return Value.Check(StoredRegistries, value) ? value : [];
  }

  async function registries(): Promise<RegistryListed[]> {
    const local = deps.localRegistryUrl?.();
    return [...(local ? [{ name: LOCAL_REGISTRY, url: local, local: true }] : []), ...(await storedRegistries()).map((r) => ({ ...r, local: false }))];
  }

  async function client(name: string): Promise<RegistryClient> {
    const found = (await registries()).find((r) => r.name === name);
    if (!found) throw MarketplaceErrors.REGISTRY_NOT_FOUND(name);
    return createRegistryClient(found, deps.client);
  }

  async function record(level: 'info' | 'warn', message: string, context: Record<string, unknown>): Promise<void> {
    try {
      await deps.systemLog.write(level, 'marketplace', message, context);
    } catch (err) {
      logger.error({ err }, 'writing the system log failed');
    }
  }

  /** Newest stored version of every plugin in the repository, by reverse-DNS id. */
  async function installedVersions(): Promise<Map<string, string>> {
    const plugins = await db.models.Plugin.findAll({ attributes: ['id', 'pluginId'] });
    const versions = await db.models.PluginVersion.findAll({ attributes: ['pluginId', 'version'] });
    const ids = new Map(plugins.map((p) => [p.id, p.pluginId]));
    const out = new Map<string, string>();
    for (const v of versions) {
      const id = ids.get(v.pluginId);
      if (id === undefined) continue;
      const current = out.get(id);
      if (current === undefined || compareSemver(v.version, current) > 0) out.set(id, v.version);
    }
    return out;
  }

  /** Runs `fn` on every registry at once; one that fails is reported, not fatal. */
  async function acrossRegistries<T>(only: string | undefined, fn: (c: RegistryClient) => Promise<T>): Promise<{ results: { registry: string; value: T }[]; errors: RegistryFailure[] }> {
    const list = (await registries()).filter((r) => only === undefined || r.name === only);
    if (only !== undefined && list.length === 0) throw MarketplaceErrors.REGISTRY_NOT_FOUND(only);
    const settled = await Promise.allSettled(list.map((r) => fn(createRegistryClient(r, deps.client))));
    const results: { registry: string; value: T }[] = [];
    const errors: RegistryFailure[] = [];
    settled.forEach((s, i) => {
      const registry = list[i]!.name;
      if (s.status === 'fulfilled') results.push({ registry, value: s.value });
      else {
        const e = s.reason as { code?: string; message?: string };
        errors.push({ registry, code: e.code ?? 'CORE_MARKET_REGISTRY_ERROR', message: e.message ?? String(s.reason) });
      }
    });
    return { results, errors };
  }

  /** Search hits a registry lists in a shape the core refuses: logged, and reported beside the others' results. */
  function leftOut(registry: string, rejected: ProphasisError[]): RegistryFailure[] {
    return rejected.map((err) => {
      logger.warn({ registry, code: err.code, details: err.details }, err.message);
      return { registry, code: err.code, message: err.message };
    });
  }

  return {
    registries,

    /** Replaces the configured registries (the local one is not part of the list). */
    async setRegistries(list: { name: string; url: string }[]): Promise<void> {
      const names = new Set<string>();
      for (const r of list) {
        if (r.name === LOCAL_REGISTRY) throw MarketplaceErrors.INVALID_REGISTRIES(`"${LOCAL_REGISTRY}" is the core's own marketplace`);
        if (names.has(r.name)) throw MarketplaceErrors.INVALID_REGISTRIES(`two registries named ${r.name}`);
        names.add(r.name);
        try {
          new URL(r.url);
        } catch {
          throw MarketplaceErrors.INVALID_REGISTRIES(`${r.url} is not a URL`);
        }
      }
      await writeSetting(REGISTRIES_SETTING, list.map((r) => ({ name: r.name, url: r.url.replace(/\/+$/, '') })));
    },

    /** Search across registries (or one), with what this site has installed. */
    async browse(query: BrowseQuery): Promise<BrowseResponse> {
      const { registry, ...search } = query;
      const [{ results, errors }, installed] = await Promise.all([acrossRegistries(registry, (c) => c.search(search)), installedVersions()]);
      const items: MarketplaceListing[] = [];
      for (const { registry: name, value } of results) {
        errors.push(...leftOut(name, value.rejected));
        for (const p of value.items) {
          const have = installed.get(p.id) ?? null;
          items.push({ ...p, registry: name, installedVersion: have, updateAvailable: have !== null && compareSemver(p.latestVersion, have) > 0 });
        }
      }
      return { items, errors };
    },

    /** A plugin's page in one registry, with the versions this site has and which of the publisher's keys it trusts. */
    async page(registry: string, pluginId: string): Promise<MarketplacePluginPage> {
      const page = await (await client(registry)).page(pluginId);
      let installed: PluginVersionInfo[] = [];
      try {
        installed = await repository.listVersions(pluginId);
      } catch (err) {
        if ((err as { code?: string }).code !== 'CORE_PLUGIN_NOT_FOUND') throw err;
      }
      return { ...page, registry, trustedKeyIds: page.publisher.keys.filter((k) => trust.isTrusted(k.keyId)).map((k) => k.keyId), installed };
    },

    /**
     * Downloads a version, checks it completely and stores it in the repository (pending approval
     * unless it inherits one). A publisher key the site does not trust yet needs a second request
     * with `trustPublisher: true` and the fingerprint that was shown.
     */
    async install(body: InstallBody, actor: Actor): Promise<InstallResult> {
      const registry = await client(body.registry);
      const page = await registry.page(body.pluginId);
      const version = body.version ?? page.latestVersion;
      const offered = version === null ? undefined : page.versions.find((v) => v.version === version);
      if (version === null || !offered || offered.yanked) {
        throw MarketplaceErrors.VERSION_NOT_OFFERED(`${body.pluginId} ${version ?? '(no version left)'} in ${registry.name}${offered?.yanked ? ' (yanked)' : ''}`);
      }
      const zip = await registry.bundle(offered.sha256);
      const actual = sha256Hex(zip);
      if (actual !== offered.sha256) {
        // The index and the file disagree: the file was altered (on the registry's disk or on the way).
        const err = MarketplaceErrors.HASH_MISMATCH(`${body.pluginId} ${version} from ${registry.name}: expected ${offered.sha256}, got ${actual}`, { expected: offered.sha256, actual });
        await record('warn', `marketplace download refused: ${err.message}`, { code: err.code, registry: registry.name, pluginId: body.pluginId, version, user: actor.name });
        throw err;
      }
      const inspected = inspectBundle(zip);
      if (inspected.manifest.id !== body.pluginId || inspected.manifest.version !== version) {
        throw MarketplaceErrors.BUNDLE_MISMATCH(`asked for ${body.pluginId} ${version}, got ${inspected.manifest.id} ${inspected.manifest.version}`);
      }
      if (!inspected.signature) throw BundleErrors.MISSING_SIGNATURE();
      const keyId = inspected.signature.keyId;
      const requested = [...new Set(inspected.manifest.capabilities)].sort();
      let trustedNow = false;
      if (!trust.isTrusted(keyId)) {
        const listed = page.publisher.keys.find((k) => k.keyId === keyId);
        if (!listed) throw MarketplaceErrors.KEY_NOT_PUBLISHED(`${registry.name} lists no key ${keyId} for ${page.publisher.name}`);
        const key = parsePublicKey(listed.publicKeyPem);
        if (publicKeyFingerprint(key) !== keyId) throw MarketplaceErrors.KEY_NOT_PUBLISHED(`the key ${registry.name} lists as ${keyId} has another fingerprint`);
        // Prove the signature before asking anyone to trust the key that made it.
        verifyBundle(zip, { trustedKeys: trustKeys([key]) });
        const claims = { registry: registry.name, pluginId: body.pluginId, version, publisher: page.publisher.name, keyId, requestedCapabilities: requested };
        if (body.trustPublisher !== true) throw MarketplaceErrors.PUBLISHER_NOT_TRUSTED(`${page.publisher.name}, key ${keyId}`, claims);
        if (body.publisherKeyId !== keyId) throw MarketplaceErrors.TRUST_KEY_MISMATCH(`the bundle is signed by ${keyId}`, claims);
        await trust.add({ name: `${page.publisher.name} (${registry.name})`.slice(0, 100), publicKeyPem: listed.publicKeyPem }, actor.name);
        await record('info', `publisher key trusted while installing from ${registry.name}: ${page.publisher.name}`, { keyId, user: actor.name, pluginId: body.pluginId });
        trustedNow = true;
      }
      const stored = await repository.upload(zip, actor);
      const { created, ...plugin } = stored;
      await record('info', `installed ${body.pluginId} ${version} from ${registry.name}`, { user: actor.name, sha256: actual, approval: plugin.approval, addedCapabilities: plugin.addedCapabilities });
      return {
        registry: registry.name,
        plugin,
        created,
        requestedCapabilities: plugin.requestedCapabilities,
        addedCapabilities: plugin.addedCapabilities,
        approvalRequired: !plugin.usable,
        publisher: { name: page.publisher.name, keyId, trustedNow },
      };
    },

    /** Installed plugins for which some registry offers a greater (not yanked) version. */
    async updates(): Promise<UpdatesResponse> {
      const [{ results, errors }, installed] = await Promise.all([acrossRegistries(undefined, (c) => c.search({})), installedVersions()]);
      const best = new Map<string, { latestVersion: string; registry: string }>();
      for (const { registry, value } of results) {
        errors.push(...leftOut(registry, value.rejected));
        for (const p of value.items) {
          const have = installed.get(p.id);
          if (have === undefined || compareSemver(p.latestVersion, have) <= 0) continue;
          const current = best.get(p.id);
          if (!current || compareSemver(p.latestVersion, current.latestVersion) > 0) best.set(p.id, { latestVersion: p.latestVersion, registry });
        }
      }
      const items = [...best].map(([pluginId, b]) => ({ pluginId, installedVersion: installed.get(pluginId)!, ...b })).sort((a, b) => a.pluginId.localeCompare(b.pluginId));
      return { items, errors };
    },

    /** The staged rollouts (rollout.ts), for the plan builder and the console. */
    async rollouts(): Promise<PluginRollouts> {
      const value = await readSetting(ROLLOUTS_SETTING);
      return Value.Check(StoredRollouts, value) ? value : {};
    },

    async setRollout(pluginId: string, rollout: { version: string; groups: number[] }): Promise<PluginRollouts> {
      const versions = await repository.listVersions(pluginId).catch((err: unknown) => {
        if ((err as { code?: string }).code === 'CORE_PLUGIN_NOT_FOUND') throw MarketplaceErrors.INVALID_ROLLOUT(`no plugin ${pluginId} in the repository`);
        throw err;
      });
      if (!versions.some((v) => v.version === rollout.version)) throw MarketplaceErrors.INVALID_ROLLOUT(`${pluginId} has no version ${rollout.version}`);
      const groups = [...new Set(rollout.groups)].sort((a, b) => a - b);
      const found = await db.models.HostGroup.count({ where: { id: groups } });
      if (found !== groups.length) throw MarketplaceErrors.INVALID_ROLLOUT('unknown host group');
      // A new or changed stage starts now (and is no longer aborted).
      const all = { ...(await this.rollouts()), [pluginId]: { version: rollout.version, groups, startedAt: Date.now() } };
      await writeSetting(ROLLOUTS_SETTING, all);
      return all;
    },

    /**
     * Aborts a rollout: its groups are emptied, so the rolled-out version and anything newer
     * reach no host (the stage goes back to the version the others run) while the entry keeps
     * them from everyone until it is promoted or rolled out again (a new PUT).
     */
    async abort(pluginId: string): Promise<PluginRollouts> {
      const all = await this.rollouts();
      const rollout = Object.hasOwn(all, pluginId) ? all[pluginId] : undefined;
      if (!rollout) throw MarketplaceErrors.ROLLOUT_NOT_FOUND(pluginId);
      all[pluginId] = { ...rollout, groups: [], abortedAt: Date.now() };
      await writeSetting(ROLLOUTS_SETTING, all);
      return all;
    },

    /** Promotes (ends) a rollout: every host gets the newest usable version. */
    async promote(pluginId: string): Promise<boolean> {
      const all = await this.rollouts();
      if (!Object.hasOwn(all, pluginId)) return false;
      delete all[pluginId];
      await writeSetting(ROLLOUTS_SETTING, all);
      return true;
    },
  };
}
