import type { AlertModule, AnyAlertModule } from '../types.js';
import { createCommandModule } from './command.js';
import { createEmailModule, type SmtpSource } from './email.js';
import { createWebhookModule } from './webhook.js';

export { createEmailModule, databaseSmtpSource, type SmtpSettings, type SmtpSource } from './email.js';
export { createWebhookModule } from './webhook.js';
export { createCommandModule } from './command.js';

/** The registry of alert modules by id; alerting looks modules up here and nowhere else. */
export type AlertModuleRegistry = ReadonlyMap<string, AnyAlertModule>;

/** The built-in modules: `email`, `webhook`, `command`. */
export function builtInAlertModules(deps: { smtp: SmtpSource; emailTimeoutMs?: number; fetch?: typeof fetch }): AlertModuleRegistry {
  const modules: AlertModule<never>[] = [
    createEmailModule({ smtp: deps.smtp, ...(deps.emailTimeoutMs !== undefined ? { timeoutMs: deps.emailTimeoutMs } : {}) }) as AlertModule<never>,
    createWebhookModule(deps.fetch ? { fetch: deps.fetch } : {}) as AlertModule<never>,
    createCommandModule() as AlertModule<never>,
  ];
  return new Map(modules.map((m) => [m.id, m as unknown as AnyAlertModule]));
}
