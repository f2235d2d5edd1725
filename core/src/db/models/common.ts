import { DataTypes, type InitOptions, type Model, type ModelAttributeColumnOptions, type UpdateOptions } from 'sequelize';

/*
 * Column helpers shared by the models. They mirror the migration helpers but describe the
 * model side (attribute names in camelCase, mapped to snake_case columns by `underscored`).
 * The schema itself is defined ONLY by the migrations; test/db/schema.test.ts checks that every
 * model attribute exists as a column.
 */

export const pk = (): ModelAttributeColumnOptions => ({ type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true });
export const bigPk = (): ModelAttributeColumnOptions => ({ type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true });
/** Epoch milliseconds (UTC), BIGINT, read back as a JS number on both dialects. */
export const time = (allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.BIGINT, allowNull });
export const now = (): ModelAttributeColumnOptions => ({ type: DataTypes.BIGINT, allowNull: false, defaultValue: () => Date.now() });
export const str = (length: number, allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.STRING(length), allowNull });
export const text = (allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.TEXT, allowNull });
export const json = (allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.JSON, allowNull });
export const int = (allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.INTEGER, allowNull });
export const double = (allowNull = false): ModelAttributeColumnOptions => ({ type: DataTypes.DOUBLE, allowNull });
export const bool = (defaultValue: boolean): ModelAttributeColumnOptions => ({ type: DataTypes.BOOLEAN, allowNull: false, defaultValue });

/** `updatedAt` follows every save and bulk update (Sequelize's own timestamps would write DATEs). */
export const touchHooks: InitOptions['hooks'] = {
  beforeSave(instance: Model, options: { fields?: string[] }) {
    if (instance.isNewRecord && instance.getDataValue('updatedAt' as never) != null) return;
    instance.setDataValue('updatedAt' as never, Date.now() as never);
    if (options.fields && !options.fields.includes('updatedAt')) options.fields.push('updatedAt');
  },
  beforeBulkUpdate(options: UpdateOptions) {
    const o = options as UpdateOptions & { attributes: Record<string, unknown>; fields?: string[] };
    o.attributes.updatedAt = Date.now();
    if (o.fields && !o.fields.includes('updatedAt')) o.fields.push('updatedAt');
  },
};

/** Validator for rows that reference exactly one of several targets (host OR group …). */
export function exactlyOne(values: Record<string, unknown>, keys: readonly string[], what: string): void {
  const set = keys.filter((k) => values[k] != null);
  if (set.length !== 1) throw new Error(`${what} must reference exactly one of ${keys.join(', ')}`);
}
