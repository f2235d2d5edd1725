import type { Severity } from '@prophasis/protocol';
import type { TSchema } from '@sinclair/typebox';
import type { Reachability } from '../state/index.js';
import type { RenderedMessage } from './templates.js';

/**
 * Why a notice was sent (docs/alerts.md, "Why a notification was sent"): a state change, a
 * repeat or an escalation step of a problem that lasts, the end of a maintenance window with the
 * problem still present, a check that started or stopped flapping, a host that became unreachable.
 */
export type NoticeReason = 'transition' | 'repeat' | 'escalation' | 'maintenance-ended' | 'dependency-ended' | 'flapping-started' | 'flapping-stopped' | 'unreachable';

/** What an alert module sends: one matched transition, with names resolved (docs/alerts.md). */
export interface AlertNotice {
  alert: { id: number; name: string };
  /** The host or service whose severity changed. */
  target: { kind: 'host' | 'service'; id: number; name: string };
  /** The plugin, for a plugin transition; null for a host's or a service's own severity. */
  plugin: { id: number; pluginId: string; name: string } | null;
  from: Severity;
  to: Severity;
  /** When the change happened (epoch ms). */
  at: number;
  /** The change happened while the agent was offline and was delivered after it reconnected. */
  late: boolean;
  /** For a host's own transition: the plugin changes of the same host at the same time (its causes). */
  causes: { plugin: string; from: Severity; to: Severity }[];
  /** Sent by the Test action, not by a real transition. */
  test: boolean;
  /** For a host's own transition caused by its agent's presence: unreachable since / reachable again (core/src/state). */
  reachability?: Reachability | null;
  /** The down parent host that held this notice back (docs/alerts.md, "Dependencies"); set on a `dependency-ended` notice. */
  causedBy?: { hostId: number; name: string } | null;
  /** Why it was sent; absent (deliveries stored before the field existed) reads as `transition`. */
  reason?: NoticeReason;
  /** For a plugin transition: the check that ran it (when its result names one that still exists). */
  check?: { id: number; name: string } | null;
  /** For a plugin transition: the result that changed the state (value with the plugin's unit, its message, when it was measured and received). */
  result?: { value: number | null; unit: string | null; message: string | null; measuredAt: number; receivedAt: number } | null;
  /** The host's or service's page in the console (the `publicUrl` setting, else the core's public URL). */
  link?: string;
  /**
   * The delivery's id (`alert_deliveries.id`): the same on every attempt, also after a restart.
   * Delivery is at least once (docs/alerts.md): a receiver that sees one twice got a repeat.
   * Absent from Test notices.
   */
  deliveryId?: string;
  /**
   * The subject and text this delivery last sent (its module's templates applied), with the
   * action links' tokens cut out, so the notification history shows what went out and
   * `alert_deliveries` never holds a usable link. Absent before the first attempt.
   */
  rendered?: { subject: string; text: string };
}

/**
 * One way of delivering alerts (docs/alerts.md, "Modules"). Modules are registered in a map by
 * `id`; nothing outside a module branches on its type.
 */
export interface AlertModule<S = unknown> {
  id: string;
  /** For the console. */
  label: string;
  /** TypeBox schema of the module's settings (also JSON Schema for the console's form). */
  settingsSchema: TSchema;
  /** The settings with defaults applied, or `CORE_ALERT_INVALID_SETTINGS` naming the field. */
  validate(settings: unknown): S;
  /**
   * Delivers one notice; rejects with a reason fit for the system log (no secrets). `message`: its
   * texts from the module's templates with the action links (docs/alerts.md, "Templates");
   * without it, the default texts of message.ts.
   */
  send(notice: AlertNotice, settings: S, message?: RenderedMessage): Promise<void>;
  /** The console's Test action: delivers a clearly marked test notice now. */
  test(settings: S): Promise<void>;
}

/** Any module, settings type erased (what the registry holds). */
export type AnyAlertModule = AlertModule<unknown>;
