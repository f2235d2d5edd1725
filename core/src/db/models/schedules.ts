import { Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { bool, int, now, pk, str, text, time, touchHooks } from './common.js';

/** A named set of checks run on one or more intervals (table `schedules`). */
export class Schedule extends Model<InferAttributes<Schedule>, InferCreationAttributes<Schedule>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare description: CreationOptional<string>;
  declare enabled: CreationOptional<boolean>;
  declare createdAt: CreationOptional<number>;
  declare updatedAt: CreationOptional<number>;
}

/** Fires at `startAt + k × everyMs` (protocol's `Interval`), table `schedule_intervals`. */
export class ScheduleInterval extends Model<InferAttributes<ScheduleInterval>, InferCreationAttributes<ScheduleInterval>> {
  declare id: CreationOptional<number>;
  declare scheduleId: number;
  declare startAt: number;
  declare everyMs: number;
}

/** Table `schedule_checks`; cascades with the schedule and the check. */
export class ScheduleCheck extends Model<InferAttributes<ScheduleCheck>, InferCreationAttributes<ScheduleCheck>> {
  declare id: CreationOptional<number>;
  declare scheduleId: number;
  declare checkId: number;
}

export function initSchedule(sequelize: Sequelize): typeof Schedule {
  class BoundSchedule extends Schedule {}
  BoundSchedule.init(
    {
      id: pk(),
      name: { ...str(255), unique: true, validate: { notEmpty: true } },
      description: { ...text(), defaultValue: '' },
      enabled: bool(true),
      createdAt: now(),
      updatedAt: now(),
    },
    { sequelize, tableName: 'schedules', modelName: 'Schedule', hooks: touchHooks },
  );
  return BoundSchedule;
}

export function initScheduleInterval(sequelize: Sequelize): typeof ScheduleInterval {
  class BoundScheduleInterval extends ScheduleInterval {}
  BoundScheduleInterval.init(
    { id: pk(), scheduleId: int(), startAt: time(), everyMs: time() },
    { sequelize, tableName: 'schedule_intervals', modelName: 'ScheduleInterval' },
  );
  return BoundScheduleInterval;
}

export function initScheduleCheck(sequelize: Sequelize): typeof ScheduleCheck {
  class BoundScheduleCheck extends ScheduleCheck {}
  BoundScheduleCheck.init(
    { id: pk(), scheduleId: int(), checkId: int() },
    { sequelize, tableName: 'schedule_checks', modelName: 'ScheduleCheck' },
  );
  return BoundScheduleCheck;
}
