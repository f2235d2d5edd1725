import { ApiErrorBody, IdParams, ListQuery, Page, type PageOf } from '@prophasis/protocol';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Op, type Model, type ModelStatic, type Transaction, type WhereOptions } from 'sequelize';
import type { Role } from '../kernel/index.js';
import type { Database } from '../db/index.js';
import { ApiErrors } from '../kernel/index.js';

/**
 * One configuration resource exposed as `GET/POST /api/<path>` and `GET/PUT/DELETE
 * /api/<path>/:id`. Handlers are generic; each resource says how rows become API objects and
 * how an input is written (including its membership tables), always inside one transaction.
 */
export interface Resource<Api, Input> {
  /** URL segment and audit action prefix, e.g. `hosts` → `hosts.create`. */
  path: string;
  /** Audit target kind, e.g. `host`. */
  kind: string;
  tag: string;
  schema: TSchema;
  inputSchema: TSchema;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- every model class of the schema
  model: ModelStatic<any>;
  /** Columns `q` searches (case-insensitive substring). */
  searchable: readonly string[];
  /** Fields `sort` accepts (model attribute names); the first is the default. */
  sortable: readonly string[];
  /** Turns rows into API objects, loading their relations in a few batched queries. */
  present(rows: Model[], tx?: Transaction): Promise<Api[]>;
  create(input: Input, tx: Transaction): Promise<number>;
  update(id: number, input: Input, tx: Transaction): Promise<void>;
  /** Default: destroy the row (foreign keys cascade or restrict, docs/api.md). */
  remove?(id: number, tx: Transaction): Promise<void>;
  /** Summary for the audit trail (default: the input, with secrets redacted by the trail). */
  summarize?(input: Input): unknown;
  read: Role;
  write: Role;
  /** Omit to leave a verb out (plugins have no POST/PUT until bundle upload exists). */
  verbs?: readonly ('create' | 'update' | 'delete')[];
}

const E = ApiErrorBody;

/** `fleet-token` → `FleetToken`: a kind or a path as a part of an operationId. */
const pascal = (words: string) => words.split(/[^a-zA-Z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
const withArticle = (noun: string) => `${/^[aeio]/i.test(noun) ? 'an' : 'a'} ${noun}`;

/**
 * The OpenAPI names of a resource's five operations, generated from its kind and path so that
 * every resource reads the same (`listHosts`, `getHost`, `createHost`, `updateHost`,
 * `deleteHost`); docs/api.md promises they do not change.
 */
function operationsOf(r: Pick<Resource<unknown, unknown>, 'path' | 'kind' | 'searchable' | 'sortable'>) {
  const one = r.kind.replaceAll('-', ' ');
  const many = r.path.replaceAll('-', ' ');
  const id = pascal(r.kind);
  const search = r.searchable.length ? `; \`q\` searches ${r.searchable.join(', ')}` : '';
  return {
    list: {
      operationId: `list${pascal(r.path)}`,
      summary: `List ${many}`,
      description: `One page of ${many}${search}; \`sort\` takes ${r.sortable.join(', ')} (a leading \`-\` sorts descending).`,
    },
    get: { operationId: `get${id}`, summary: `Get one ${one}` },
    create: { operationId: `create${id}`, summary: `Create ${withArticle(one)}` },
    update: { operationId: `update${id}`, summary: `Replace ${withArticle(one)} (every field)` },
    delete: { operationId: `delete${id}`, summary: `Delete ${withArticle(one)}` },
  };
}

/** `q`, `sort`, `limit`, `offset` → one page of rows and the total count. */
async function listRows(
  db: Database,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model class
  model: ModelStatic<any>,
  query: ListQuery,
  options: { searchable: readonly string[]; sortable: readonly string[]; where?: WhereOptions },
): Promise<{ rows: Model[]; total: number }> {
  const sortKey = query.sort?.replace(/^-/, '') ?? options.sortable[0] ?? 'id';
  if (!options.sortable.includes(sortKey)) {
    throw ApiErrors.BAD_REQUEST(`sort: cannot sort by ${sortKey}; use one of ${options.sortable.join(', ')}`, { field: 'sort' });
  }
  const direction = query.sort?.startsWith('-') ? 'DESC' : 'ASC';
  const conditions: WhereOptions[] = options.where ? [options.where] : [];
  if (query.q && options.searchable.length > 0) {
    // LIKE is case-insensitive for ASCII on SQLite; PostgreSQL needs ILIKE for the same behaviour.
    const like = db.dialect === 'postgres' ? Op.iLike : Op.like;
    const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push({ [Op.or]: options.searchable.map((column) => ({ [column]: { [like]: pattern } })) });
  }
  const { rows, count } = await model.findAndCountAll({
    where: conditions.length ? { [Op.and]: conditions } : {},
    order: [[sortKey, direction], ['id', 'ASC']],
    limit: query.limit,
    offset: query.offset,
  });
  return { rows, total: count };
}

/** Registers the five routes of one resource on `api` (mounted at `/api`). */
export function registerResource<Api, Input>(api: FastifyInstance, db: Database, r: Resource<Api, Input>): void {
  const verbs = r.verbs ?? ['create', 'update', 'delete'];
  const base = `/${r.path}`;
  const ops = operationsOf(r);

  async function one(id: number, tx?: Transaction): Promise<Api> {
    const row = await r.model.findByPk(id, { transaction: tx });
    if (!row) throw ApiErrors.NOT_FOUND(`${r.kind} ${id}`);
    const [item] = await r.present([row], tx);
    return item!;
  }

  api.get<{ Querystring: ListQuery }>(
    base,
    { config: { access: r.read }, schema: { tags: [r.tag], ...ops.list, querystring: ListQuery, response: { 200: Page(r.schema), 400: E, 401: E, 403: E } } },
    async (request): Promise<PageOf<Api>> => {
      const { rows, total } = await listRows(db, r.model, request.query, r);
      return { items: await r.present(rows), total, limit: request.query.limit, offset: request.query.offset };
    },
  );

  api.get<{ Params: IdParams }>(
    `${base}/:id`,
    { config: { access: r.read }, schema: { tags: [r.tag], ...ops.get, params: IdParams, response: { 200: r.schema, 400: E, 401: E, 403: E, 404: E } } },
    async (request) => one(request.params.id),
  );

  if (verbs.includes('create')) {
    api.post<{ Body: Input }>(
      base,
      { config: { access: r.write }, schema: { tags: [r.tag], ...ops.create, body: r.inputSchema, response: { 201: r.schema, 400: E, 401: E, 403: E, 409: E } } },
      async (request, reply) => {
        const item = await db.sequelize.transaction(async (tx) => one(await r.create(request.body as Input, tx), tx));
        const id = (item as { id: number }).id;
        request.auditNote = { action: `${r.path}.create`, targetKind: r.kind, targetId: id, summary: r.summarize?.(request.body as Input) ?? request.body };
        return reply.status(201).header('location', `/api${base}/${id}`).send(item);
      },
    );
  }

  if (verbs.includes('update')) {
    api.put<{ Params: IdParams; Body: Input }>(
      `${base}/:id`,
      { config: { access: r.write }, schema: { tags: [r.tag], ...ops.update, params: IdParams, body: r.inputSchema, response: { 200: r.schema, 400: E, 401: E, 403: E, 404: E, 409: E } } },
      async (request) => {
        const { id } = request.params;
        const item = await db.sequelize.transaction(async (tx) => {
          if (!(await r.model.findByPk(id, { transaction: tx, attributes: ['id'] }))) throw ApiErrors.NOT_FOUND(`${r.kind} ${id}`);
          await r.update(id, request.body as Input, tx);
          return one(id, tx);
        });
        request.auditNote = { action: `${r.path}.update`, targetKind: r.kind, targetId: id, summary: r.summarize?.(request.body as Input) ?? request.body };
        return item;
      },
    );
  }

  if (verbs.includes('delete')) {
    api.delete<{ Params: IdParams }>(
      `${base}/:id`,
      { config: { access: r.write }, schema: { tags: [r.tag], ...ops.delete, params: IdParams, response: { 204: { type: 'null' }, 400: E, 401: E, 403: E, 404: E, 409: E } } },
      async (request, reply) => {
        const { id } = request.params;
        let name: unknown;
        await db.sequelize.transaction(async (tx) => {
          const row = await r.model.findByPk(id, { transaction: tx });
          if (!row) throw ApiErrors.NOT_FOUND(`${r.kind} ${id}`);
          name = row.get('name');
          if (r.remove) await r.remove(id, tx);
          else await row.destroy({ transaction: tx });
        });
        request.auditNote = { action: `${r.path}.delete`, targetKind: r.kind, targetId: id, summary: { name } };
        return reply.status(204).send();
      },
    );
  }
}
