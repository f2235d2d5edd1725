import { DataTypes } from 'sequelize';
import type { Migration } from './types.js';

/*
 * API tokens (docs/api.md, "API tokens"): bearer credentials for scripts and tools, each acting
 * for one user (`user_id`, CASCADE: a deleted user's tokens go with them) with a `role` no higher
 * than theirs. Only the SHA-256 of the token is stored (`token_hash`, unique); `revoked_at` ends
 * it before `expires_at`; `last_used_at` is kept to the minute.
 */
export const apiTokens: Migration = {
  name: '0012-api-tokens',
  async up(c) {
    const transaction = c.transaction;
    await c.queryInterface.createTable(
      'api_tokens',
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
        name: { type: DataTypes.STRING(128), allowNull: false },
        token_hash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
        user_id: { type: DataTypes.INTEGER, allowNull: false, references: { model: 'users', key: 'id' }, onDelete: 'CASCADE', onUpdate: 'CASCADE' },
        role: { type: DataTypes.STRING(16), allowNull: false },
        expires_at: { type: DataTypes.BIGINT, allowNull: false },
        revoked_at: { type: DataTypes.BIGINT, allowNull: true },
        last_used_at: { type: DataTypes.BIGINT, allowNull: true },
        created_at: { type: DataTypes.BIGINT, allowNull: false },
      },
      { transaction },
    );
    await c.queryInterface.addIndex('api_tokens', ['user_id'], { name: 'api_tokens_user_id_idx', transaction });
  },
};
