import type { Logger } from '@prophasis/protocol';
import { DataTypes, Model, Sequelize, Transaction, type ModelStatic, type Options, type QueryInterface } from 'sequelize';

/** A registered publisher account. The API token is stored only as a salted hash (tokens.ts). */
export class Publisher extends Model {
  declare id: number;
  declare name: string;
  declare tokenHash: string;
  declare created: number;
}

/** An Ed25519 key a publisher signs bundles with; `revokedAt` set once it may sign no more. */
export class PublisherKey extends Model {
  declare keyId: string;
  declare publisherId: number;
  declare publicKeyPem: string;
  declare addedAt: number;
  declare revokedAt: number | null;
}

/** One plugin id, owned by exactly one publisher. Name, description, README, tags, platforms follow its newest version. */
export class PluginRow extends Model {
  declare id: number;
  declare pluginId: string;
  declare publisherId: number;
  declare name: string;
  declare description: string;
  declare tags: string[];
  declare platforms: string[];
  declare readme: string;
  declare downloadCount: number;
}

/** One published version; never overwritten, only yanked. */
export class VersionRow extends Model {
  declare id: number;
  declare pluginRowId: number;
  declare version: string;
  declare sha256: string;
  declare size: number;
  declare keyId: string;
  declare manifest: Record<string, unknown>;
  declare capabilities: string[];
  declare changelog: string;
  declare yankedAt: number | null;
  declare publishedAt: number;
  declare downloads: number;
}

export interface MarketDatabase {
  sequelize: Sequelize;
  dialect: 'sqlite' | 'postgres';
  models: { Publisher: ModelStatic<Publisher>; PublisherKey: ModelStatic<PublisherKey>; Plugin: ModelStatic<PluginRow>; Version: ModelStatic<VersionRow> };
  /** Applies the migrations not yet applied (recorded in `marketplace_migrations`). */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

interface SqliteConnection {
  exec(sql: string, callback: (err: Error | null) => void): void;
  configure(option: 'busyTimeout', value: number): void;
}

/** The marketplace CLI (`publisher add`) may write while the server runs: wait for the lock. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens the marketplace's own database: SQLite at `sqlitePath` when `url` is empty, PostgreSQL
 * for `postgres://…`. The schema exists only through {@link MIGRATIONS}; the models mirror it.
 */
export async function openMarketDatabase(config: { url: string; sqlitePath: string }, deps: { logger: Logger }): Promise<MarketDatabase> {
  const logger = deps.logger.child({ component: 'db' });
  const common: Options = {
    logging: (sql: string) => logger.debug(sql),
    define: { underscored: true, timestamps: false, freezeTableName: true },
  };
  let sequelize: Sequelize;
  let dialect: 'sqlite' | 'postgres';
  if (config.url === '') {
    dialect = 'sqlite';
    sequelize = new Sequelize({ ...common, dialect: 'sqlite', storage: config.sqlitePath, transactionType: Transaction.TYPES.IMMEDIATE });
    const manager = sequelize.connectionManager as unknown as { getConnection(options?: unknown): Promise<SqliteConnection> };
    const original = manager.getConnection.bind(manager);
    const prepared = new WeakSet<SqliteConnection>();
    manager.getConnection = async (options?: unknown) => {
      const connection = await original(options);
      if (!prepared.has(connection)) {
        prepared.add(connection);
        connection.configure('busyTimeout', SQLITE_BUSY_TIMEOUT_MS);
        await new Promise<void>((resolve, reject) => connection.exec('PRAGMA foreign_keys=ON', (err) => (err ? reject(err) : resolve())));
      }
      return connection;
    };
  } else if (/^postgres(ql)?:\/\//.test(config.url)) {
    dialect = 'postgres';
    sequelize = new Sequelize(config.url, { ...common, dialect: 'postgres', pool: { max: 5, min: 0, idle: 10_000, acquire: 30_000 } });
  } else {
    throw new Error(`unsupported DATABASE_URL ${config.url.replace(/\/\/[^@/]*@/, '//***@')}: use postgres://… or leave it empty for SQLite`);
  }
  await sequelize.authenticate({ logging: false });
  if (dialect === 'sqlite') await sequelize.query('PRAGMA journal_mode=WAL');

  Publisher.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      name: { type: DataTypes.STRING(100), allowNull: false, unique: true },
      tokenHash: { type: DataTypes.STRING(200), allowNull: false },
      created: epochField('created'),
    },
    { sequelize, tableName: 'publishers', modelName: 'Publisher' },
  );
  PublisherKey.init(
    {
      keyId: { type: DataTypes.STRING(64), primaryKey: true },
      publisherId: { type: DataTypes.INTEGER, allowNull: false },
      publicKeyPem: { type: DataTypes.TEXT, allowNull: false },
      addedAt: epochField('addedAt'),
      revokedAt: nullableEpoch('revokedAt'),
    },
    { sequelize, tableName: 'publisher_keys', modelName: 'PublisherKey' },
  );
  PluginRow.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      pluginId: { type: DataTypes.STRING(200), allowNull: false, unique: true },
      publisherId: { type: DataTypes.INTEGER, allowNull: false },
      name: { type: DataTypes.STRING(100), allowNull: false },
      description: { type: DataTypes.TEXT, allowNull: false },
      tags: { type: DataTypes.JSON, allowNull: false },
      platforms: { type: DataTypes.JSON, allowNull: false },
      readme: { type: DataTypes.TEXT, allowNull: false },
      downloadCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    },
    { sequelize, tableName: 'plugins', modelName: 'Plugin' },
  );
  VersionRow.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      pluginRowId: { type: DataTypes.INTEGER, allowNull: false, field: 'plugin' },
      version: { type: DataTypes.STRING(100), allowNull: false },
      sha256: { type: DataTypes.STRING(64), allowNull: false },
      size: { type: DataTypes.INTEGER, allowNull: false },
      keyId: { type: DataTypes.STRING(64), allowNull: false },
      manifest: { type: DataTypes.JSON, allowNull: false },
      capabilities: { type: DataTypes.JSON, allowNull: false },
      changelog: { type: DataTypes.TEXT, allowNull: false },
      yankedAt: nullableEpoch('yankedAt'),
      publishedAt: epochField('publishedAt'),
      downloads: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    },
    { sequelize, tableName: 'versions', modelName: 'Version' },
  );

  return {
    sequelize,
    dialect,
    models: { Publisher, PublisherKey, Plugin: PluginRow, Version: VersionRow },
    async migrate() {
      const applied = await migrate(sequelize);
      if (applied.length > 0) logger.info({ applied }, 'marketplace database migrated');
    },
    close: () => sequelize.close(),
  };
}

/** Epoch milliseconds; PostgreSQL returns BIGINT as a string, the getter turns it back into a number. */
function epochField(name: string) {
  return { type: DataTypes.BIGINT, allowNull: false, get(this: Model) { return Number(this.getDataValue(name)); } };
}
function nullableEpoch(name: string) {
  return {
    type: DataTypes.BIGINT,
    allowNull: true,
    get(this: Model) {
      const v = this.getDataValue(name);
      return v == null ? null : Number(v);
    },
  };
}

interface Migration {
  name: string;
  up(q: QueryInterface, t: Transaction): Promise<void>;
}

/** The schema, one step at a time; a released migration is never edited, only followed by a new one. */
const MIGRATIONS: readonly Migration[] = [
  {
    name: '0001-initial',
    async up(q, transaction) {
      const T = DataTypes;
      await q.createTable(
        'publishers',
        {
          id: { type: T.INTEGER, primaryKey: true, autoIncrement: true },
          name: { type: T.STRING(100), allowNull: false, unique: true },
          token_hash: { type: T.STRING(200), allowNull: false },
          created: { type: T.BIGINT, allowNull: false },
        },
        { transaction },
      );
      await q.createTable(
        'publisher_keys',
        {
          key_id: { type: T.STRING(64), primaryKey: true },
          publisher_id: { type: T.INTEGER, allowNull: false, references: { model: 'publishers', key: 'id' }, onDelete: 'CASCADE' },
          public_key_pem: { type: T.TEXT, allowNull: false },
          added_at: { type: T.BIGINT, allowNull: false },
          revoked_at: { type: T.BIGINT, allowNull: true },
        },
        { transaction },
      );
      await q.createTable(
        'plugins',
        {
          id: { type: T.INTEGER, primaryKey: true, autoIncrement: true },
          plugin_id: { type: T.STRING(200), allowNull: false, unique: true },
          publisher_id: { type: T.INTEGER, allowNull: false, references: { model: 'publishers', key: 'id' } },
          name: { type: T.STRING(100), allowNull: false },
          description: { type: T.TEXT, allowNull: false },
          tags: { type: T.JSON, allowNull: false },
          platforms: { type: T.JSON, allowNull: false },
          readme: { type: T.TEXT, allowNull: false },
          download_count: { type: T.INTEGER, allowNull: false, defaultValue: 0 },
        },
        { transaction },
      );
      await q.createTable(
        'versions',
        {
          id: { type: T.INTEGER, primaryKey: true, autoIncrement: true },
          plugin: { type: T.INTEGER, allowNull: false, references: { model: 'plugins', key: 'id' }, onDelete: 'CASCADE' },
          version: { type: T.STRING(100), allowNull: false },
          sha256: { type: T.STRING(64), allowNull: false },
          size: { type: T.INTEGER, allowNull: false },
          key_id: { type: T.STRING(64), allowNull: false },
          manifest: { type: T.JSON, allowNull: false },
          capabilities: { type: T.JSON, allowNull: false },
          changelog: { type: T.TEXT, allowNull: false },
          yanked_at: { type: T.BIGINT, allowNull: true },
          published_at: { type: T.BIGINT, allowNull: false },
          downloads: { type: T.INTEGER, allowNull: false, defaultValue: 0 },
        },
        { transaction },
      );
      // A version is published once: the database refuses a second row even when two uploads race.
      await q.addIndex('versions', ['plugin', 'version'], { unique: true, name: 'versions_plugin_version', transaction });
      await q.addIndex('versions', ['sha256'], { name: 'versions_sha256', transaction });
      await q.addIndex('publisher_keys', ['publisher_id'], { name: 'publisher_keys_publisher', transaction });
    },
  },
];

async function migrate(sequelize: Sequelize): Promise<string[]> {
  const q = sequelize.getQueryInterface();
  // CREATE TABLE IF NOT EXISTS on both dialects.
  await q.createTable('marketplace_migrations', { name: { type: DataTypes.STRING(200), primaryKey: true }, applied_at: { type: DataTypes.BIGINT, allowNull: false } });
  const [rows] = await sequelize.query('SELECT name FROM marketplace_migrations');
  const done = new Set((rows as { name: string }[]).map((r) => r.name));
  const applied: string[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.name)) continue;
    await sequelize.transaction(async (transaction) => {
      await m.up(q, transaction);
      await q.bulkInsert('marketplace_migrations', [{ name: m.name, applied_at: Date.now() }], { transaction });
    });
    applied.push(m.name);
  }
  return applied;
}
