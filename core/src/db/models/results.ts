import type { ResultType, Severity } from '@prophasis/protocol';
import { Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import { bigPk, bool, double, int, pk, str, text, time } from './common.js';

/**
 * One stored result (table `results`). Written in batches by `createResultStore`, not through
 * this model; the model is for reading and for tests.
 */
export class Result extends Model<InferAttributes<Result>, InferCreationAttributes<Result>> {
  declare id: CreationOptional<number>;
  /** The agent's unique result id; a result that arrives twice is stored once. */
  declare resultId: string;
  declare hostId: number;
  declare pluginId: number;
  declare checkId: CreationOptional<number | null>;
  /** The scheduled slot; null for "Run now". */
  declare slotAt: CreationOptional<number | null>;
  declare measuredAt: number;
  declare receivedAt: number;
  declare value: CreationOptional<number | null>;
  declare message: CreationOptional<string | null>;
  declare resultType: ResultType;
  declare severity: Severity;
  declare late: CreationOptional<boolean>;
}

/** The current severity of one plugin on one host (table `current_states`). */
export class CurrentState extends Model<InferAttributes<CurrentState>, InferCreationAttributes<CurrentState>> {
  declare id: CreationOptional<number>;
  declare hostId: number;
  declare pluginId: number;
  declare severity: Severity;
  /** Since when the severity has been this one. */
  declare since: number;
  declare lastResultId: CreationOptional<string | null>;
}

/** A change of severity of a host (optionally one plugin on it) or a service (table `state_transitions`). */
export class StateTransition extends Model<InferAttributes<StateTransition>, InferCreationAttributes<StateTransition>> {
  declare id: CreationOptional<number>;
  declare hostId: CreationOptional<number | null>;
  declare serviceId: CreationOptional<number | null>;
  declare pluginId: CreationOptional<number | null>;
  declare fromState: Severity;
  declare toState: Severity;
  declare at: number;
  /** Caused by a result that arrived after `maxLatenessMs`. */
  declare late: CreationOptional<boolean>;
}

/** Aggregate of the values of one host × plugin in one bucket (tables `rollups_minute`, `rollups_hour`). */
export class Rollup extends Model<InferAttributes<Rollup>, InferCreationAttributes<Rollup>> {
  declare hostId: number;
  declare pluginId: number;
  /** Start of the bucket, epoch ms, a multiple of the bucket length. */
  declare bucketStart: number;
  declare valueMin: number;
  declare valueMax: number;
  /** Sum of the values; average = valueSum / valueCount. */
  declare valueSum: number;
  declare valueCount: number;
}

export function initResult(sequelize: Sequelize): typeof Result {
  class BoundResult extends Result {}
  BoundResult.init(
    {
      id: bigPk(),
      resultId: { ...str(64), unique: true },
      hostId: int(),
      pluginId: int(),
      checkId: int(true),
      slotAt: time(true),
      measuredAt: time(),
      receivedAt: time(),
      value: double(true),
      message: text(true),
      resultType: str(32),
      severity: str(16),
      late: bool(false),
    },
    { sequelize, tableName: 'results', modelName: 'Result' },
  );
  return BoundResult;
}

export function initCurrentState(sequelize: Sequelize): typeof CurrentState {
  class BoundCurrentState extends CurrentState {}
  BoundCurrentState.init(
    { id: pk(), hostId: int(), pluginId: int(), severity: str(16), since: time(), lastResultId: str(64, true) },
    { sequelize, tableName: 'current_states', modelName: 'CurrentState' },
  );
  return BoundCurrentState;
}

export function initStateTransition(sequelize: Sequelize): typeof StateTransition {
  class BoundStateTransition extends StateTransition {}
  BoundStateTransition.init(
    {
      id: bigPk(),
      hostId: int(true),
      serviceId: int(true),
      pluginId: int(true),
      fromState: str(16),
      toState: str(16),
      at: time(),
      late: bool(false),
    },
    { sequelize, tableName: 'state_transitions', modelName: 'StateTransition' },
  );
  return BoundStateTransition;
}

export function initRollup(sequelize: Sequelize, table: 'rollups_minute' | 'rollups_hour'): typeof Rollup {
  class BoundRollup extends Rollup {}
  BoundRollup.init(
    {
      hostId: { ...int(), primaryKey: true },
      pluginId: { ...int(), primaryKey: true },
      bucketStart: { ...time(), primaryKey: true },
      valueMin: double(),
      valueMax: double(),
      valueSum: double(),
      valueCount: int(),
    },
    { sequelize, tableName: table, modelName: table === 'rollups_minute' ? 'RollupMinute' : 'RollupHour' },
  );
  return BoundRollup;
}
