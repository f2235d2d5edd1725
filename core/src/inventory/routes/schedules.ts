import { Schedule, ScheduleInput, type Schedule as ScheduleApi } from '@prophasis/protocol';
import type { Transaction } from 'sequelize';
import type { Database, Schedule as ScheduleRow, ScheduleInterval as IntervalRow } from '../../db/index.js';
import type { Resource } from '../../http/index.js';
import { assertExist, assertNameFree, linksOf, replaceLinks } from '../../http/index.js';
/** Schedules: checks on one or more intervals (`start` + `everyMs`). Deleting one deletes its intervals. */
export function schedulesResource(db: Database): Resource<ScheduleApi, ScheduleInput> {
  const { Schedule: ScheduleModel, ScheduleCheck, ScheduleInterval, Check: CheckModel } = db.models;

  async function write(id: number, input: ScheduleInput, tx: Transaction) {
    await assertExist(CheckModel, input.checkIds, 'checkIds', tx);
    await replaceLinks(ScheduleCheck, 'scheduleId', id, input.checkIds.map((checkId) => ({ checkId })), tx);
    await replaceLinks(ScheduleInterval, 'scheduleId', id, input.intervals.map((i) => ({ startAt: i.start, everyMs: i.everyMs })), tx);
  }
  const fields = (input: ScheduleInput) => ({ name: input.name, description: input.description ?? '', enabled: input.enabled });

  return {
    path: 'schedules',
    kind: 'schedule',
    tag: 'schedules',
    schema: Schedule,
    inputSchema: ScheduleInput,
    model: ScheduleModel,
    searchable: ['name', 'description'],
    sortable: ['name', 'createdAt', 'updatedAt', 'enabled', 'id'],
    read: 'viewer',
    write: 'admin',
    async present(rows, tx) {
      const ids = rows.map((r) => r.get('id') as number);
      const [checks, intervals] = await Promise.all([linksOf(ScheduleCheck, 'scheduleId', ids, tx), linksOf(ScheduleInterval, 'scheduleId', ids, tx)]);
      return (rows as ScheduleRow[]).map((s) => ({
        id: s.id,
        name: s.name,
        description: s.description,
        enabled: Boolean(s.enabled),
        checkIds: (checks.get(s.id) ?? []).map((l) => l.get('checkId') as number),
        intervals: ((intervals.get(s.id) ?? []) as IntervalRow[]).map((i) => ({ start: Number(i.startAt), everyMs: Number(i.everyMs) })),
        createdAt: s.createdAt,
        updatedAt: s.updatedAt,
      }));
    },
    async create(input, tx) {
      await assertNameFree(ScheduleModel, input.name, tx);
      const row = await ScheduleModel.create(fields(input), { transaction: tx });
      await write(row.id, input, tx);
      return row.id;
    },
    async update(id, input, tx) {
      await assertNameFree(ScheduleModel, input.name, tx, id);
      await ScheduleModel.update(fields(input), { where: { id }, transaction: tx, individualHooks: true });
      await write(id, input, tx);
    },
  };
}
