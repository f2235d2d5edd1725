import type { Alert, AlertInput, Check, CheckInput, ConfigDocument, Host, HostGroup, HostGroupInput, HostInput, Schedule, ScheduleInput, Service, ServiceInput } from '@prophasis/protocol';
import type { Transaction } from 'sequelize';
import type { Database } from '../db/index.js';
import type { Resource } from '../http/index.js';

/**
 * What configuration as code reads and writes through: the features' own resources, with their
 * validation and their membership writes (the same code as the REST API's routes), and the
 * checks of the parts whose stores open transactions of their own. Handed over by the
 * composition root (config-as-code-parts.ts), so this feature imports no other feature's files.
 */
export interface ConfigParts {
  db: Database;
  hosts: Resource<Host, HostInput>;
  groups: Resource<HostGroup, HostGroupInput>;
  checks: Resource<Check, CheckInput>;
  schedules: Resource<Schedule, ScheduleInput>;
  services: Resource<Service, ServiceInput>;
  alerts: Resource<Alert, AlertInput>;
  templates: {
    /** The alert modules that have templates. */
    modules(): readonly string[];
    /** Refuses templates that would not render (`CORE_ALERT_INVALID_TEMPLATE`, `details.field`), as saving them from the console does. */
    check(module: string, set: { subject: string; text: string; html: string }): void;
  };
  /** Refuses a registration rule's host name pattern that is no glob or a dangerous /regex/ (`details.field`). */
  checkHostnamePattern(pattern: string): void;
  /** Refuses Lua that does not compile (`details.field` is `code`), as saving an override from the console does. */
  checkClassifier(code: string): Promise<void>;
  /** Releases what the parts started for themselves (the CLI's Lua engine). */
  close(): Promise<void>;
}

/** A full document: every kind present (what export writes). */
export type FullDocument = Required<ConfigDocument>;
/** The kinds of a document, in the order export writes them. */
export const KINDS = ['settings', 'hostGroups', 'hosts', 'pluginApprovals', 'checks', 'classifierOverrides', 'schedules', 'services', 'alerts', 'alertTemplates', 'silences', 'registrationRules'] as const;
type Kind = (typeof KINDS)[number];
export type ListKind = Exclude<Kind, 'settings'>;
export type Entry<K extends ListKind> = FullDocument[K][number];

/** The secrets resolver's view of the environment (`PROPHASIS_SECRET_<NAME>`). */
export type SecretEnv = Readonly<Record<string, string | undefined>>;

export type Tx = Transaction;
