import type { Sequelize } from 'sequelize';
import { purgeHistoryOnDestroy } from '../history.js';
import { initAlert, initAlertScope } from './alerts.js';
import { initCheck, initCheckGroup, initCheckHost, initCheckPlugin, initClassifierOverride } from './checks.js';
import { initHostGroup, initHostGroupGroup, initHostGroupHost } from './groups.js';
import { initEnrolmentToken, initHost } from './hosts.js';
import { initPlugin, initPluginVersion } from './plugins.js';
import { initCurrentState, initResult, initRollup, initStateTransition } from './results.js';
import { initSchedule, initScheduleCheck, initScheduleInterval } from './schedules.js';
import { initRedundancyGroup, initRedundancyGroupMember, initService, initServiceDependency } from './services.js';
import { initSetting, initSystemLog } from './system.js';
import { initAuditLog, initSession, initUser } from './users.js';

export * from './alerts.js';
export * from './checks.js';
export * from './groups.js';
export * from './hosts.js';
export * from './plugins.js';
export * from './results.js';
export * from './schedules.js';
export * from './services.js';
export * from './system.js';
export * from './users.js';

/** Every model bound to one Sequelize instance, with its associations. */
export type Models = ReturnType<typeof initModels>;

/**
 * Binds a fresh subclass of every model to `sequelize`, so two databases (SQLite and
 * PostgreSQL in one test run) never share a model class, and declares the associations
 * (aliases below are what `include: [{ model, as }]` uses). `constraints: false` because the
 * migrations, not Sequelize, own the foreign keys.
 */
export function initModels(sequelize: Sequelize) {
  const m = {
    Host: initHost(sequelize),
    EnrolmentToken: initEnrolmentToken(sequelize),
    HostGroup: initHostGroup(sequelize),
    HostGroupHost: initHostGroupHost(sequelize),
    HostGroupGroup: initHostGroupGroup(sequelize),
    Plugin: initPlugin(sequelize),
    PluginVersion: initPluginVersion(sequelize),
    Check: initCheck(sequelize),
    CheckHost: initCheckHost(sequelize),
    CheckGroup: initCheckGroup(sequelize),
    CheckPlugin: initCheckPlugin(sequelize),
    ClassifierOverride: initClassifierOverride(sequelize),
    Schedule: initSchedule(sequelize),
    ScheduleInterval: initScheduleInterval(sequelize),
    ScheduleCheck: initScheduleCheck(sequelize),
    Service: initService(sequelize),
    ServiceDependency: initServiceDependency(sequelize),
    RedundancyGroup: initRedundancyGroup(sequelize),
    RedundancyGroupMember: initRedundancyGroupMember(sequelize),
    Alert: initAlert(sequelize),
    AlertScope: initAlertScope(sequelize),
    Result: initResult(sequelize),
    CurrentState: initCurrentState(sequelize),
    StateTransition: initStateTransition(sequelize),
    RollupMinute: initRollup(sequelize, 'rollups_minute'),
    RollupHour: initRollup(sequelize, 'rollups_hour'),
    SystemLog: initSystemLog(sequelize),
    Setting: initSetting(sequelize),
    User: initUser(sequelize),
    Session: initSession(sequelize),
    AuditLog: initAuditLog(sequelize),
  };
  const c = { constraints: false } as const;

  m.Host.hasMany(m.EnrolmentToken, { ...c, foreignKey: 'hostId', as: 'enrolmentTokens' });
  m.EnrolmentToken.belongsTo(m.Host, { ...c, foreignKey: 'hostId', as: 'host' });

  m.HostGroup.belongsToMany(m.Host, { ...c, through: m.HostGroupHost, foreignKey: 'groupId', otherKey: 'hostId', as: 'hosts' });
  m.Host.belongsToMany(m.HostGroup, { ...c, through: m.HostGroupHost, foreignKey: 'hostId', otherKey: 'groupId', as: 'groups' });
  m.HostGroup.belongsToMany(m.HostGroup, { ...c, through: m.HostGroupGroup, foreignKey: 'parentId', otherKey: 'childId', as: 'children' });
  m.HostGroup.belongsToMany(m.HostGroup, { ...c, through: m.HostGroupGroup, foreignKey: 'childId', otherKey: 'parentId', as: 'parents' });

  m.Plugin.hasMany(m.PluginVersion, { ...c, foreignKey: 'pluginId', as: 'versions' });
  m.PluginVersion.belongsTo(m.Plugin, { ...c, foreignKey: 'pluginId', as: 'plugin' });

  m.Check.belongsToMany(m.Host, { ...c, through: m.CheckHost, foreignKey: 'checkId', otherKey: 'hostId', as: 'hosts' });
  m.Check.belongsToMany(m.HostGroup, { ...c, through: m.CheckGroup, foreignKey: 'checkId', otherKey: 'groupId', as: 'groups' });
  m.Check.hasMany(m.CheckPlugin, { ...c, foreignKey: 'checkId', as: 'plugins' });
  m.CheckPlugin.belongsTo(m.Plugin, { ...c, foreignKey: 'pluginId', as: 'plugin' });
  m.Plugin.hasMany(m.ClassifierOverride, { ...c, foreignKey: 'pluginId', as: 'classifierOverrides' });

  m.Schedule.hasMany(m.ScheduleInterval, { ...c, foreignKey: 'scheduleId', as: 'intervals' });
  m.Schedule.belongsToMany(m.Check, { ...c, through: m.ScheduleCheck, foreignKey: 'scheduleId', otherKey: 'checkId', as: 'checks' });

  m.Service.hasMany(m.ServiceDependency, { ...c, foreignKey: 'serviceId', as: 'dependencies' });
  m.ServiceDependency.belongsTo(m.Host, { ...c, foreignKey: 'hostId', as: 'host' });
  m.ServiceDependency.belongsTo(m.HostGroup, { ...c, foreignKey: 'groupId', as: 'group' });
  m.Service.hasMany(m.RedundancyGroup, { ...c, foreignKey: 'serviceId', as: 'redundancyGroups' });
  m.RedundancyGroup.hasMany(m.RedundancyGroupMember, { ...c, foreignKey: 'redundancyGroupId', as: 'members' });
  m.RedundancyGroupMember.belongsTo(m.Host, { ...c, foreignKey: 'hostId', as: 'host' });
  m.RedundancyGroupMember.belongsTo(m.HostGroup, { ...c, foreignKey: 'groupId', as: 'group' });

  m.Alert.hasMany(m.AlertScope, { ...c, foreignKey: 'alertId', as: 'scopes' });

  // results and rollups have no foreign keys (migration 0001); this is their ON DELETE CASCADE.
  purgeHistoryOnDestroy(m.Host, 'host_id');
  purgeHistoryOnDestroy(m.Plugin, 'plugin_id');

  m.User.hasMany(m.Session, { ...c, foreignKey: 'userId', as: 'sessions' });
  m.Session.belongsTo(m.User, { ...c, foreignKey: 'userId', as: 'user' });
  return m;
}
