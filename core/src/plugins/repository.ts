import {
  inspectBundle,
  isProphasisError,
  ProphasisError,
  sha256Hex,
  verifyBundle,
  type ApprovalState,
  type BundleLimits,
  type Logger,
  type PluginVersionInfo,
  type UploadResult,
  type VerifiedBundle,
} from '@prophasis/protocol';
import { UniqueConstraintError, type Transaction } from 'sequelize';
import type { Database, Plugin as PluginRow, PluginVersion as VersionRow } from '../db/index.js';
import { PluginErrors } from './errors.js';
import { compareSemver } from '@prophasis/protocol';
import type { TrustStore } from './trust.js';

/**
 * Where refusals and approvals are recorded for the console (the `system_log` table). Same
 * shape as the transport's `SystemLog`; a returned promise is awaited, so the entry exists
 * before the API answers. Must not throw (a failure is logged and ignored).
 */
export interface PluginSystemLog {
  write(level: 'info' | 'warn' | 'error', component: string, message: string, context?: Record<string, unknown>): void | Promise<unknown>;
}

/** Who uploads or approves (the signed-in user). */
export interface Actor {
  id?: number;
  name: string;
}

export interface PluginRepository {
  /**
   * Verifies a bundle against the trusted publisher keys and stores it as a new version.
   * Refusals throw the `BUNDLE_*` or `CORE_PLUGIN_*` error AND write a system-log entry.
   * Uploading the same bundle again is a no-op; the same version with other bytes is refused.
   */
  upload(zip: Buffer, actor: Actor): Promise<UploadResult>;
  /** Stores a bundle signed by the site key with its capabilities approved by the site (first-party.ts). */
  importFirstParty(zip: Buffer): Promise<UploadResult>;
  /** Versions of a plugin (row id or reverse-DNS id), newest first. */
  listVersions(plugin: string | number): Promise<PluginVersionInfo[]>;
  /** Approves exactly the requested capabilities of one version (partial approval is refused). */
  approve(plugin: string | number, version: string, capabilities: readonly string[], actor: Actor): Promise<PluginVersionInfo>;
  /** True when the version exists, is approved for every capability it requests, and its key is trusted. */
  isUsable(pluginId: string, version: string): Promise<boolean>;
  /** The newest usable version of a plugin, for plans. */
  newestUsable(pluginId: string): Promise<PluginVersionInfo | undefined>;
  /** Bundle bytes by hash, for delivery to agents. */
  getBundle(sha256: string): Promise<Buffer | undefined>;
  /** Hashes of every stored bundle (first-party.ts checks them at start). */
  storedHashes(): Promise<Set<string>>;
}

export interface PluginRepositoryDeps {
  db: Database;
  trust: TrustStore;
  logger: Logger;
  systemLog: PluginSystemLog;
  /** Bundle limits; tests lower them. Default: the protocol's (docs/bundles.md). */
  limits?: Partial<BundleLimits>;
  now?: () => number;
}

/** `approved_by` of first-party versions. */
const SITE_APPROVER = 'site';
/** `approved_by` of versions that inherited their approval: `inherited:<previous version>`. */
const INHERITED_PREFIX = 'inherited:';

const COMPONENT = 'plugins';
/** Every column but the bundle bytes, which only `getBundle` reads. */
const LIGHT = { exclude: ['bundle'] };

/**
 * The core's plugin repository (docs/plugin-repository.md): verified, versioned bundles in
 * `plugin_versions`, with the administrator's approval of their capabilities.
 */
export function createPluginRepository(deps: PluginRepositoryDeps): PluginRepository {
  const { db, trust } = deps;
  const { Plugin, PluginVersion } = db.models;
  const logger = deps.logger.child({ component: COMPONENT });
  const now = deps.now ?? Date.now;

  async function record(level: 'info' | 'warn' | 'error', message: string, context: Record<string, unknown>): Promise<void> {
    try {
      await deps.systemLog.write(level, COMPONENT, message, context);
    } catch (err) {
      logger.error({ err, message }, 'writing the system log failed');
    }
  }

  /** verifyBundle, with every refusal logged to the system log and turned into a ProphasisError. */
  async function verify(zip: Buffer, actor: Actor): Promise<VerifiedBundle> {
    try {
      return verifyBundle(zip, { trustedKeys: trust.trustedKeys, ...(deps.limits ? { limits: deps.limits } : {}) });
    } catch (err) {
      const refusal = isProphasisError(err) ? withClaims(err, zip) : PluginErrors.BAD_UPLOAD((err as Error).message);
      await record('warn', `plugin bundle refused: ${refusal.message}`, {
        code: refusal.code,
        user: actor.name,
        bytes: zip.length,
        sha256: sha256Hex(zip),
        ...(refusal.details && typeof refusal.details === 'object' ? refusal.details : {}),
      });
      throw refusal;
    }
  }

  /**
   * For an unknown publisher, what the bundle claims (id, version, capabilities, key) from
   * inspectBundle, so the administrator can decide whether to trust the key. Never believed.
   */
  function withClaims(err: ProphasisError, zip: Buffer): ProphasisError {
    if (err.code !== 'BUNDLE_UNKNOWN_PUBLISHER') return err;
    try {
      const seen = inspectBundle(zip, deps.limits ? { limits: deps.limits } : {});
      const claims = {
        keyId: seen.signature?.keyId,
        pluginId: seen.manifest.id,
        version: seen.manifest.version,
        publisher: seen.manifest.publisher,
        requestedCapabilities: seen.manifest.capabilities,
      };
      return new ProphasisError(err.code, err.message, err.status, claims);
    } catch {
      return err;
    }
  }

  async function findPlugin(ref: string | number, transaction?: Transaction): Promise<PluginRow> {
    const byRow = typeof ref === 'number' || /^\d+$/.test(ref);
    const row = byRow ? await Plugin.findByPk(Number(ref), { transaction }) : await Plugin.findOne({ where: { pluginId: ref }, transaction });
    if (!row) throw PluginErrors.NOT_FOUND(`plugin ${ref}`);
    return row;
  }

  function present(plugin: PluginRow, row: VersionRow, all: readonly VersionRow[]): PluginVersionInfo {
    const requested = row.requestedCapabilities ?? [];
    const approved = row.approvedCapabilities ?? null;
    const previous = previousApproved(row, all);
    const baseline = new Set(previous?.approvedCapabilities ?? []);
    const trusted = trust.isTrusted(row.publisherKeyFingerprint);
    return {
      id: plugin.id,
      pluginId: plugin.pluginId,
      name: plugin.name,
      version: row.version,
      sha256: row.bundleSha256,
      publisher: row.publisher,
      publisherKeyId: row.publisherKeyFingerprint,
      publisherTrusted: trusted,
      requestedCapabilities: requested,
      approvedCapabilities: approved,
      addedCapabilities: requested.filter((c) => !baseline.has(c)),
      previousApprovedVersion: previous?.version ?? null,
      approval: approvalState(row.approvedBy ?? null, approved),
      approvedBy: row.approvedBy ?? null,
      approvedAt: row.approvedAt ?? null,
      usable: trusted && covers(approved, requested),
      historyCount: row.historyCount,
      createdAt: row.createdAt,
    };
  }

  async function versionsOf(plugin: PluginRow, transaction?: Transaction): Promise<VersionRow[]> {
    return PluginVersion.findAll({ where: { pluginId: plugin.id }, attributes: LIGHT, transaction });
  }

  async function store(bundle: VerifiedBundle, zip: Buffer, site: boolean): Promise<UploadResult> {
    const m = bundle.manifest;
    const requested = normalise(m.capabilities);
    return db.sequelize.transaction(async (transaction) => {
      let plugin = await Plugin.findOne({ where: { pluginId: m.id }, transaction });
      plugin ??= await Plugin.create({ pluginId: m.id, name: m.name, description: m.description }, { transaction });
      const all = await versionsOf(plugin, transaction);
      const existing = all.find((v) => v.version === m.version);
      if (existing) {
        if (existing.bundleSha256 !== bundle.sha256) {
          throw PluginErrors.VERSION_EXISTS(`${m.id} ${m.version} is stored with bundle ${existing.bundleSha256}`, {
            pluginId: m.id,
            version: m.version,
            storedSha256: existing.bundleSha256,
            uploadedSha256: bundle.sha256,
          });
        }
        if (site && existing.approvedBy == null) {
          await existing.update({ approvedCapabilities: requested, approvedBy: SITE_APPROVER, approvedAt: now() }, { transaction });
        }
        return { ...present(plugin, existing, all), created: false };
      }

      const draft = { version: m.version, publisherKeyFingerprint: bundle.keyId, approvedCapabilities: null } as VersionRow;
      const previous = previousApproved(draft, all);
      const baseline = new Set(previous?.approvedCapabilities ?? []);
      const inherits = previous !== undefined && requested.every((c) => baseline.has(c));
      const approvedBy = site ? SITE_APPROVER : inherits ? `${INHERITED_PREFIX}${previous.version}` : null;
      const row = await PluginVersion.create(
        {
          pluginId: plugin.id,
          version: m.version,
          manifest: m,
          bundleSha256: bundle.sha256,
          bundle: zip,
          publisher: m.publisher,
          publisherKeyFingerprint: bundle.keyId,
          requestedCapabilities: requested,
          approvedCapabilities: approvedBy === null ? null : requested,
          approvedBy,
          approvedAt: approvedBy === null ? null : now(),
          defaultClassifier: bundle.files.get(m.classifier)?.toString('utf8') ?? '',
          historyCount: m.history,
          createdAt: now(),
        },
        { transaction },
      );
      // The plugin's name and description follow its newest version.
      if (all.every((v) => compareSemver(m.version, v.version) > 0)) {
        await plugin.update({ name: m.name, description: m.description }, { transaction });
      }
      return { ...present(plugin, row, [...all, row]), created: true };
    });
  }

  async function storeLogged(bundle: VerifiedBundle, zip: Buffer, actor: Actor, site: boolean): Promise<UploadResult> {
    let result: UploadResult;
    try {
      // Two first uploads of one new plugin race on plugins.plugin_id; the loser simply retries.
      result = await store(bundle, zip, site).catch((err: unknown) => {
        if (err instanceof UniqueConstraintError) return store(bundle, zip, site);
        throw err;
      });
    } catch (err) {
      if (isProphasisError(err)) {
        await record('warn', `plugin bundle refused: ${err.message}`, { code: err.code, user: actor.name, sha256: bundle.sha256, pluginId: bundle.manifest.id, version: bundle.manifest.version });
      }
      throw err;
    }
    if (result.created) {
      await record('info', `plugin ${result.pluginId} ${result.version} stored (${result.approval})`, {
        user: actor.name,
        pluginId: result.pluginId,
        version: result.version,
        sha256: result.sha256,
        publisherKeyId: result.publisherKeyId,
        requestedCapabilities: result.requestedCapabilities,
        addedCapabilities: result.addedCapabilities,
        approval: result.approval,
      });
    }
    return result;
  }

  return {
    async upload(zip, actor) {
      const bundle = await verify(zip, actor);
      return storeLogged(bundle, zip, actor, false);
    },

    async importFirstParty(zip) {
      const actor = { name: SITE_APPROVER };
      const bundle = await verify(zip, actor);
      if (bundle.keyId !== trust.siteKeyId) throw PluginErrors.FIRST_PARTY_BUILD(`${bundle.manifest.id} is not signed by the site key`);
      return storeLogged(bundle, zip, actor, true);
    },

    async listVersions(ref) {
      const plugin = await findPlugin(ref);
      const all = await versionsOf(plugin);
      return all.sort((a, b) => compareSemver(b.version, a.version)).map((row) => present(plugin, row, all));
    },

    async approve(ref, version, capabilities, actor) {
      const result = await db.sequelize.transaction(async (transaction) => {
        const plugin = await findPlugin(ref, transaction);
        const all = await versionsOf(plugin, transaction);
        const row = all.find((v) => v.version === version);
        if (!row) throw PluginErrors.NOT_FOUND(`${plugin.pluginId} ${version}`);
        const requested = normalise(row.requestedCapabilities ?? []);
        const given = normalise(capabilities);
        const missing = requested.filter((c) => !given.includes(c));
        const unexpected = given.filter((c) => !requested.includes(c));
        if (missing.length > 0 || unexpected.length > 0) {
          const parts = [missing.length ? `missing ${missing.join(', ')}` : '', unexpected.length ? `not requested ${unexpected.join(', ')}` : ''];
          throw PluginErrors.APPROVAL_MISMATCH(parts.filter(Boolean).join('; '), { missing, unexpected, requested });
        }
        if (!trust.isTrusted(row.publisherKeyFingerprint)) throw PluginErrors.PUBLISHER_NOT_TRUSTED(row.publisherKeyFingerprint);
        await row.update({ approvedCapabilities: requested, approvedBy: actor.name, approvedAt: now() }, { transaction });
        return present(plugin, row, all);
      });
      await record('info', `plugin ${result.pluginId} ${result.version} approved`, {
        user: actor.name,
        pluginId: result.pluginId,
        version: result.version,
        capabilities: result.approvedCapabilities,
      });
      return result;
    },

    async isUsable(pluginId, version) {
      const plugin = await Plugin.findOne({ where: { pluginId } });
      if (!plugin) return false;
      const row = await PluginVersion.findOne({ where: { pluginId: plugin.id, version }, attributes: LIGHT });
      return row !== null && trust.isTrusted(row.publisherKeyFingerprint) && covers(row.approvedCapabilities ?? null, row.requestedCapabilities ?? []);
    },

    async newestUsable(pluginId) {
      const plugin = await Plugin.findOne({ where: { pluginId } });
      if (!plugin) return undefined;
      const all = await versionsOf(plugin);
      return all
        .sort((a, b) => compareSemver(b.version, a.version))
        .map((row) => present(plugin, row, all))
        .find((v) => v.usable);
    },

    async getBundle(sha256) {
      if (!/^[a-f0-9]{64}$/.test(sha256)) return undefined;
      const row = await PluginVersion.findOne({ where: { bundleSha256: sha256 }, attributes: ['bundle'] });
      const bytes = row?.bundle;
      return bytes == null ? undefined : Buffer.from(bytes);
    },

    async storedHashes() {
      const rows = await PluginVersion.findAll({ attributes: ['bundleSha256'] });
      return new Set(rows.map((r) => r.bundleSha256));
    },
  };
}

/**
 * The version an upgrade is compared with: the highest approved version below `row`, signed
 * by the same key. Approval never carries over from another key, even a trusted one, so a
 * second publisher cannot ride on the first one's approval by reusing a plugin id.
 */
function previousApproved(row: Pick<VersionRow, 'version' | 'publisherKeyFingerprint'>, all: readonly VersionRow[]): VersionRow | undefined {
  return all
    .filter((v) => v.approvedCapabilities != null && v.publisherKeyFingerprint === row.publisherKeyFingerprint && compareSemver(v.version, row.version) < 0)
    .sort((a, b) => compareSemver(b.version, a.version))[0];
}

function approvalState(approvedBy: string | null, approved: string[] | null): ApprovalState {
  if (approved === null || approvedBy === null) return 'pending';
  if (approvedBy === SITE_APPROVER) return 'site';
  if (approvedBy.startsWith(INHERITED_PREFIX)) return 'inherited';
  return 'approved';
}

function covers(approved: string[] | null, requested: readonly string[]): boolean {
  if (approved === null) return false;
  const set = new Set(approved);
  return requested.every((c) => set.has(c));
}

/** Sorted, without duplicates: the order a manifest lists capabilities in means nothing. */
function normalise(capabilities: readonly string[]): string[] {
  return [...new Set(capabilities)].sort();
}
