import { defineErrors } from '@prophasis/protocol';
import { ForeignKeyConstraintError, UniqueConstraintError, ValidationError } from 'sequelize';

/**
 * The database layer's catalogue (codes `CORE_DB_*`). The REST API maps `status` to the HTTP
 * status in its one error handler, so each status here is what a client should see.
 */
export const DbErrors = defineErrors('CORE_DB', {
  /** The database could not be opened (bad URL, unreachable server, unwritable file). */
  CONNECT_FAILED: { status: 503, message: 'Cannot open the database' },
  /** Unsupported `DATABASE_URL` scheme. */
  UNSUPPORTED_URL: { status: 500, message: 'Unsupported database URL (expected empty for SQLite or postgres://…)' },
  /** A migration threw; its transaction was rolled back and the schema is unchanged. */
  MIGRATION_FAILED: { status: 500, message: 'Database migration failed' },
  /** A row still references the object being deleted (FOREIGN KEY … RESTRICT). */
  IN_USE: { status: 409, message: 'Still in use' },
  /** A unique key (name, agent id, plugin version …) already exists. */
  DUPLICATE: { status: 409, message: 'Already exists' },
  /** The referenced object does not exist. */
  NOT_FOUND: { status: 404, message: 'Not found' },
  /** A value the schema cannot hold (wrong scope kind, both targets set …). */
  INVALID: { status: 400, message: 'Invalid value' },
});

/**
 * Maps Sequelize's constraint errors to the catalogue so the API can answer with a stable code:
 * unique → `CORE_DB_DUPLICATE` (409), foreign key → `CORE_DB_IN_USE` (409) when deleting or
 * `CORE_DB_NOT_FOUND` (404) when referencing a missing row, validation → `CORE_DB_INVALID` (400).
 * Anything else is returned unchanged.
 */
export function translateDbError(err: unknown): unknown {
  if (err instanceof UniqueConstraintError) {
    const fields = Object.keys(err.fields ?? {});
    return DbErrors.DUPLICATE(fields.length > 0 ? fields.join(', ') : undefined, { fields });
  }
  if (err instanceof ForeignKeyConstraintError) {
    // PostgreSQL: 23503 on DELETE says "still referenced", on INSERT/UPDATE "is not present".
    const text = `${err.message} ${(err.parent as { detail?: string } | undefined)?.detail ?? ''}`;
    if (/is not present|insert or update/i.test(text)) return DbErrors.NOT_FOUND('a referenced row does not exist');
    if (err.index == null && /FOREIGN KEY constraint failed/.test(text)) {
      // SQLite does not say which way; the caller knows (deletePlugin passes its own message).
      return DbErrors.IN_USE('still referenced, or references a missing row');
    }
    return DbErrors.IN_USE('still referenced by other rows');
  }
  if (err instanceof ValidationError) {
    return DbErrors.INVALID(err.errors.map((e) => e.message).join('; ') || err.message);
  }
  return err;
}
