import type { Logger } from '@prophasis/protocol';
import { createRequire } from 'node:module';
import { Sequelize, Transaction, type Options } from 'sequelize';
import { DbErrors } from './errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { runMigrations } from './migrator.js';
import { initModels, type Models } from './models/index.js';
import { createWriteGate, type WriteGate } from './write-gate.js';

/** Where the database lives (contract 4). */
export interface DatabaseConfig {
  /** Empty: SQLite at `sqlitePath`. `postgres://…` or `postgresql://…`: PostgreSQL. */
  url: string;
  /** SQLite file, used when `url` is empty. */
  sqlitePath: string;
}

export interface DatabaseDeps {
  logger: Logger;
  /** Replaces the migration list; tests use it to add a failing migration. */
  migrations?: readonly Migration[];
}

/** An open database with its models bound to it. */
export interface Database {
  readonly sequelize: Sequelize;
  /** Models bound to THIS database; always use these, never the bare classes. */
  readonly models: Models;
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * SQLite: the queue every write of this process takes its turn in (write-gate.ts); Sequelize
   * transactions and writes outside one take it by themselves, the result store's own connection
   * through `run`. PostgreSQL: runs the work at once (its writers do not exclude each other).
   */
  readonly writes: WriteGate;
  /** Applies pending migrations; throws `CORE_DB_MIGRATION_FAILED` naming the migration that failed. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Milliseconds a SQLite connection waits for another writer before giving up (SQLITE_BUSY). The
 * core has two writing connections (this one and the result store's); under load a transaction
 * of one can hold the lock for seconds while its JavaScript waits for the event loop, and a
 * batch that gives up fails every agent publish in it. Waiting is cheap (sqlite3 waits on its
 * thread pool, not the event loop), failing is not.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 30_000;

const PG_INT8_OID = 20;

/**
 * The pg module as Sequelize sees it, except that BIGINT (int8) comes back as a JS number:
 * every BIGINT in the schema is an epoch-ms time, a count or a row id, all far below 2^53.
 * Done per connection (not `pg.types.setTypeParser`) so no other pg user in the process changes.
 */
function pgWithNumbers(): object {
  // Loaded on demand (SQLite users never need it) and typed locally: pg ships no types.
  const pg = createRequire(import.meta.url)('pg') as PgModule;
  return {
    ...pg,
    types: {
      ...pg.types,
      getTypeParser: (oid: number, format?: string) =>
        oid === PG_INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
    },
  };
}

interface PgModule {
  types: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
}

interface SqliteConnection {
  exec(sql: string, callback: (err: Error | null) => void): void;
  configure(option: 'busyTimeout', value: number): void;
}

/**
 * Opens the database chosen by `config.url` and binds the models to it. Does not migrate:
 * call `migrate()` (the core does on start). Queries are logged through `deps.logger` at debug.
 */
export async function createDatabase(config: DatabaseConfig, deps: DatabaseDeps): Promise<Database> {
  const logger = deps.logger.child({ component: 'db' });
  const logging = (sql: string, timing?: number): void => logger.debug({ ms: timing }, sql);
  const common: Options = {
    logging,
    benchmark: true,
    define: { underscored: true, timestamps: false, freezeTableName: true },
  };

  let sequelize: Sequelize;
  let dialect: 'sqlite' | 'postgres';
  let writes: WriteGate = { run: (work) => work(), waiting: () => 0 };
  if (config.url === '') {
    dialect = 'sqlite';
    sequelize = new Sequelize({
      ...common,
      dialect: 'sqlite',
      storage: config.sqlitePath,
      // Take the write lock at BEGIN: a deferred transaction that upgrades later can fail with
      // SQLITE_BUSY without waiting, whereas IMMEDIATE waits up to the busy timeout.
      transactionType: Transaction.TYPES.IMMEDIATE,
    });
    prepareSqliteConnections(sequelize);
    writes = createWriteGate();
    queueSqliteWrites(sequelize, writes);
  } else if (/^postgres(ql)?:\/\//.test(config.url)) {
    dialect = 'postgres';
    sequelize = new Sequelize(config.url, {
      ...common,
      dialect: 'postgres',
      dialectModule: pgWithNumbers(),
      pool: { max: 10, min: 0, idle: 10_000, acquire: 30_000 },
    });
  } else {
    throw DbErrors.UNSUPPORTED_URL(config.url.replace(/\/\/[^@/]*@/, '//***@'));
  }

  try {
    await sequelize.authenticate({ logging: false });
    if (dialect === 'sqlite') {
      // Persistent in the file: readers never block the writer and vice versa.
      await sequelize.query('PRAGMA journal_mode=WAL');
    }
  } catch (err) {
    await sequelize.close().catch(() => {});
    throw DbErrors.CONNECT_FAILED(err instanceof Error ? err.message : String(err));
  }

  const models = initModels(sequelize);
  const migrations = deps.migrations ?? MIGRATIONS;
  logger.debug({ dialect }, 'database opened');
  return {
    sequelize,
    models,
    dialect,
    writes,
    async migrate() {
      const applied = await runMigrations(sequelize, migrations, logger);
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
    },
    async close() {
      await sequelize.close();
    },
  };
}

/**
 * Sequelize's SQLite dialect opens one connection for ordinary queries and one more per
 * transaction, and runs no `afterConnect` hook for them; wrap `getConnection` so every
 * connection gets the per-connection settings before its first query.
 */
function prepareSqliteConnections(sequelize: Sequelize): void {
  const manager = sequelize.connectionManager as unknown as {
    getConnection(options?: unknown): Promise<SqliteConnection>;
  };
  const original = manager.getConnection.bind(manager);
  const prepared = new WeakSet<SqliteConnection>();
  manager.getConnection = async (options?: unknown) => {
    const connection = await original(options);
    if (!prepared.has(connection)) {
      prepared.add(connection);
      connection.configure('busyTimeout', SQLITE_BUSY_TIMEOUT_MS);
      await new Promise<void>((resolve, reject) =>
        // NORMAL is durable across application crashes in WAL mode; only an OS crash or power
        // loss can lose the last transactions, in exchange for no fsync per commit.
        connection.exec('PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON', (err) => (err ? reject(err) : resolve())),
      );
    }
    return connection;
  };
}

/** SQL that only reads: run at once, beside the writer (WAL). Anything else waits for its turn. */
const READ_ONLY_SQL = /^\s*(select|explain)\b|^\s*pragma\s+[\w.]+\s*(\(\s*[\w.]*\s*\))?\s*;?\s*$/i;

/**
 * Puts every Sequelize write on SQLite into the write gate: a managed transaction takes its turn
 * before its BEGIN, a statement outside any transaction that is not a read takes one of its own.
 * Statements inside a transaction run in their transaction's turn.
 */
function queueSqliteWrites(sequelize: Sequelize, gate: WriteGate): void {
  type Query = (sql: unknown, options?: { transaction?: unknown }) => Promise<unknown>;
  type TransactionFn = (options?: unknown, callback?: unknown) => Promise<unknown>;
  const target = sequelize as unknown as { query: Query; transaction: TransactionFn };
  const query = target.query.bind(sequelize) as Query;
  const transaction = target.transaction.bind(sequelize) as TransactionFn;
  target.query = (sql, options) => {
    const text = typeof sql === 'string' ? sql : String((sql as { query?: unknown } | null)?.query ?? '');
    if (options?.transaction || READ_ONLY_SQL.test(text)) return query(sql, options);
    return gate.run(() => query(sql, options));
  };
  target.transaction = (options, callback) => {
    // Unmanaged transactions (no callback) cannot be queued: the core uses none.
    if (typeof options === 'function') return gate.run(() => transaction(options));
    if (typeof callback === 'function') return gate.run(() => transaction(options, callback));
    return transaction(options, callback);
  };
}
