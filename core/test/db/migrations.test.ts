import assert from 'node:assert/strict';
import { isProphasisError } from '@prophasis/protocol';
import { DataTypes, type ModelStatic, type Model } from 'sequelize';
import { DbErrors, MIGRATIONS, type Migration } from '../../src/db/index.js';
import { ROLLUP_FILLFACTOR } from '../../src/db/migrations/index.js';
import { dialects, tableNames } from './helpers.js';

const EXPECTED_TABLES = [
  'acknowledgements', 'action_links', 'agent_upgrade_hosts', 'agent_upgrade_rollouts', 'agent_versions', 'alert_cursor', 'alert_deliveries', 'alert_flapping', 'alert_problems', 'alert_scopes', 'alert_templates', 'alerts', 'api_tokens', 'audit_log', 'check_groups', 'check_hosts', 'check_plugins', 'checks',
  'classifier_overrides', 'cluster_leases', 'cluster_members', 'current_states', 'dependency_held', 'enrolment_tokens', 'fleet_token_groups', 'fleet_tokens', 'host_group_collectors', 'host_group_groups', 'host_group_hosts',
  'host_groups', 'host_parents', 'hosts', 'plugin_versions', 'plugins', 'redundancy_group_members', 'redundancy_groups', 'registration_rule_groups', 'registration_rules',
  'results', 'rollups_hour', 'rollups_minute', 'schedule_checks', 'schedule_intervals', 'schedules',
  'service_dependencies', 'services', 'sessions', 'settings', 'silence_held', 'silences', 'state_transitions', 'system_log', 'users',
];

/** Creates a table and an index, then fails: nothing of it may survive. */
const broken: Migration = {
  name: '0999-broken-on-purpose',
  async up({ queryInterface, transaction }) {
    await queryInterface.createTable('half_done', { id: { type: DataTypes.INTEGER, primaryKey: true } }, { transaction });
    await queryInterface.addColumn('hosts', 'half_column', { type: DataTypes.STRING }, { transaction });
    throw new Error('deliberate failure');
  },
};

for (const dialect of dialects()) {
  describe(`db migrations (${dialect.name})`, function () {
    it('applies from empty, creates every table, and applying again is a no-op', async () => {
      const { db, cleanup } = await dialect.open();
      try {
        assert.deepEqual(await tableNames(db), []);
        await db.migrate();
        assert.deepEqual(await tableNames(db), EXPECTED_TABLES);
        const [rows] = await db.sequelize.query('SELECT name FROM schema_migrations');
        assert.deepEqual(rows, MIGRATIONS.map((m) => ({ name: m.name })));
        await db.migrate();
        assert.deepEqual(await tableNames(db), EXPECTED_TABLES);
        const [again] = await db.sequelize.query('SELECT name FROM schema_migrations');
        assert.equal(again.length, MIGRATIONS.length);
      } finally {
        await cleanup();
      }
    });

    it('a failing migration changes nothing, names itself, and the database stays usable', async () => {
      const { db, cleanup } = await dialect.open([...MIGRATIONS, broken]);
      try {
        await assert.rejects(db.migrate(), (err: unknown) => {
          assert.ok(isProphasisError(err, DbErrors.MIGRATION_FAILED));
          assert.equal(err.code, 'CORE_DB_MIGRATION_FAILED');
          assert.match(err.message, /0999-broken-on-purpose: deliberate failure/);
          return true;
        });
        // The earlier migrations are applied, the broken one left no trace.
        assert.deepEqual(await tableNames(db), EXPECTED_TABLES);
        const columns = await db.sequelize.getQueryInterface().describeTable('hosts');
        assert.equal('half_column' in columns, false);
        const [rows] = await db.sequelize.query('SELECT name FROM schema_migrations ORDER BY name');
        assert.deepEqual(rows, MIGRATIONS.map((m) => ({ name: m.name })));
        // Still healthy: the models work.
        const host = await db.models.Host.create({ name: 'after-failure' });
        assert.equal((await db.models.Host.findByPk(host.id))?.name, 'after-failure');
      } finally {
        await cleanup();
      }
    });

    it('0002 leaves free space in rollup pages on PostgreSQL, and running it again changes nothing', async () => {
      // Up to 0002: from 0005 on PostgreSQL the rollups are partitioned and their partitions carry the setting.
      const { db, cleanup } = await dialect.open(MIGRATIONS.slice(0, 2));
      try {
        await db.migrate();
        const [names] = await db.sequelize.query('SELECT name FROM schema_migrations ORDER BY name');
        assert.ok((names as { name: string }[]).some((r) => r.name === '0002-rollup-fillfactor'));
        const options = async (): Promise<unknown> =>
          dialect.name === 'postgres'
            ? (await db.sequelize.query("SELECT relname, reloptions FROM pg_class WHERE relname IN ('rollups_minute', 'rollups_hour', 'results') ORDER BY relname"))[0]
            : null;
        if (dialect.name === 'postgres') {
          assert.deepEqual(await options(), [
            { relname: 'results', reloptions: null },
            { relname: 'rollups_hour', reloptions: [`fillfactor=${ROLLUP_FILLFACTOR}`] },
            { relname: 'rollups_minute', reloptions: [`fillfactor=${ROLLUP_FILLFACTOR}`] },
          ]);
        }
        const before = await options();
        const migration = MIGRATIONS.find((m) => m.name === '0002-rollup-fillfactor')!;
        await db.sequelize.transaction(async (transaction) =>
          migration.up({ sequelize: db.sequelize, queryInterface: db.sequelize.getQueryInterface(), transaction, dialect: dialect.name }),
        );
        assert.deepEqual(await options(), before);
      } finally {
        await cleanup();
      }
    });

    it('0003 creates alert_deliveries with its next_at index, from empty and when run again', async () => {
      const { db, cleanup } = await dialect.open();
      try {
        await db.migrate();
        const qi = db.sequelize.getQueryInterface();
        const shape = async () => {
          const columns = await qi.describeTable('alert_deliveries');
          const indexes = (await qi.showIndex('alert_deliveries')) as { name: string; fields: { attribute: string }[] }[];
          return {
            columns: Object.fromEntries(Object.entries(columns).map(([name, c]) => [name, { nullable: c.allowNull, primaryKey: c.primaryKey }])),
            index: indexes.filter((i) => i.name === 'alert_deliveries_next_at_idx').map((i) => i.fields.map((f) => f.attribute)),
          };
        };
        const before = await shape();
        const notNull = { nullable: false, primaryKey: false };
        assert.deepEqual(before.columns, {
          id: { nullable: false, primaryKey: true },
          alert_id: notNull,
          module: notNull,
          settings: notNull,
          notice: notNull,
          attempts: notNull,
          next_at: notNull,
          created_at: notNull,
          last_error: { nullable: true, primaryKey: false },
          // 0007: the notification history.
          status: notNull,
          finished_at: { nullable: true, primaryKey: false },
        });
        assert.deepEqual(before.index, [['next_at']]);
        // No foreign key to alerts: a pending delivery outlives its alert (docs/alerts.md).
        const alert = await db.models.Alert.create({ name: 'a', fromStates: ['ok'], toStates: ['major'], module: 'webhook', settings: {}, enabled: true });
        await db.sequelize.query(
          `INSERT INTO alert_deliveries (id, alert_id, module, settings, notice, attempts, next_at, created_at, last_error) VALUES ('d', ${alert.id}, 'webhook', '{}', '{}', 0, 1, 1, NULL)`,
        );
        await alert.destroy();
        const [rows] = await db.sequelize.query('SELECT id FROM alert_deliveries');
        assert.deepEqual(rows, [{ id: 'd' }]);

        const migration = MIGRATIONS.find((m) => m.name === '0003-alert-deliveries')!;
        await db.sequelize.transaction(async (transaction) => migration.up({ sequelize: db.sequelize, queryInterface: qi, transaction, dialect: dialect.name }));
        assert.deepEqual(await shape(), before);
        const [still] = await db.sequelize.query('SELECT id FROM alert_deliveries');
        assert.deepEqual(still, [{ id: 'd' }], 'running it again keeps the rows');
      } finally {
        await cleanup();
      }
    });

    it('every model attribute exists as a column of the migrated schema', async () => {
      const { db, cleanup } = await dialect.open();
      try {
        await db.migrate();
        const qi = db.sequelize.getQueryInterface();
        for (const model of Object.values(db.models) as ModelStatic<Model>[]) {
          const columns = await qi.describeTable(model.getTableName() as string);
          for (const [name, attribute] of Object.entries(model.getAttributes())) {
            const field = (attribute as { field?: string }).field ?? name;
            assert.ok(field in columns, `${model.name}.${name} → ${model.getTableName() as string}.${field} missing`);
          }
        }
      } finally {
        await cleanup();
      }
    });
  });
}
