import { Op, type Model, type ModelStatic, type Transaction } from 'sequelize';
import { ApiErrors } from '../kernel/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model class of the schema
type AnyModel = ModelStatic<any>;

/** Rows grouped by one attribute, for presenting many objects from one query per relation. */
export function groupBy<T extends Model>(rows: readonly T[], key: string): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const row of rows) {
    const k = row.get(key) as number;
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

/** All rows of a link table whose `key` is one of `ids`. */
export async function linksOf(model: AnyModel, key: string, ids: readonly number[], tx?: Transaction): Promise<Map<number, Model[]>> {
  if (ids.length === 0) return new Map();
  const rows = (await model.findAll({ where: { [key]: { [Op.in]: [...ids] } }, order: [['id', 'ASC']], transaction: tx })) as Model[];
  return groupBy(rows, key);
}

/** Refuses ids that name no row, naming the request field (`CORE_API_REFERENCE_NOT_FOUND`, 400). */
export async function assertExist(model: AnyModel, ids: readonly number[], field: string, tx: Transaction, column = 'id'): Promise<void> {
  if (ids.length === 0) return;
  const unique = [...new Set(ids)];
  const found = (await model.findAll({ where: { [column]: { [Op.in]: unique } }, attributes: [column], transaction: tx })) as Model[];
  if (found.length === unique.length) return;
  const have = new Set(found.map((r) => r.get(column)));
  const missing = unique.filter((id) => !have.has(id));
  throw ApiErrors.REFERENCE_NOT_FOUND(`${field}: ${missing.join(', ')}`, { field, missing });
}

/** Replaces the link rows of one owner (`ownerKey = ownerId`) by one row per value. */
export async function replaceLinks(
  model: AnyModel,
  ownerKey: string,
  ownerId: number,
  rows: readonly Record<string, unknown>[],
  tx: Transaction,
): Promise<void> {
  await model.destroy({ where: { [ownerKey]: ownerId }, transaction: tx });
  if (rows.length) await model.bulkCreate(rows.map((r) => ({ ...r, [ownerKey]: ownerId })), { transaction: tx, validate: true });
}

/** Refuses a name another row of the same table already has (before the unique index would). */
export async function assertNameFree(model: AnyModel, name: string, tx: Transaction, exceptId?: number): Promise<void> {
  const other = (await model.findOne({ where: { name }, attributes: ['id'], transaction: tx })) as Model | null;
  if (other && other.get('id') !== exceptId) throw ApiErrors.NAME_TAKEN(JSON.stringify(name), { field: 'name' });
}

/**
 * `create` and `update` of a named configuration object (check, host group, service): the name
 * must be free, `name` and `description` go to the object's own row, and `writeRelations`
 * replaces its membership rows in the same transaction.
 */
export function namedObjectWrites<I extends { name: string; description?: string | undefined }>(
  model: AnyModel,
  writeRelations: (id: number, input: I, tx: Transaction) => Promise<void>,
): { create(input: I, tx: Transaction): Promise<number>; update(id: number, input: I, tx: Transaction): Promise<void> } {
  const own = (input: I) => ({ name: input.name, description: input.description ?? '' });
  return {
    async create(input, tx) {
      await assertNameFree(model, input.name, tx);
      const row = (await model.create(own(input), { transaction: tx })) as Model;
      const id = row.get('id') as number;
      await writeRelations(id, input, tx);
      return id;
    },
    async update(id, input, tx) {
      await assertNameFree(model, input.name, tx, id);
      await model.update(own(input), { where: { id }, transaction: tx, individualHooks: true });
      await writeRelations(id, input, tx);
    },
  };
}
