import type { QueryInterface, Sequelize, Transaction } from 'sequelize';

/** What every migration receives. Pass `transaction` to EVERY call so a failure rolls back everything. */
export interface MigrationContext {
  readonly sequelize: Sequelize;
  readonly queryInterface: QueryInterface;
  readonly transaction: Transaction;
  readonly dialect: 'sqlite' | 'postgres';
}

/** One schema step. Names sort in the order they run (`0001-initial`, `0002-…`). */
export interface Migration {
  readonly name: string;
  up(context: MigrationContext): Promise<void>;
  down?(context: MigrationContext): Promise<void>;
}
