/**
 * The alert modules the console offers and the settings each one takes, as JSON Schema so the
 * shared schema form draws them. protocol/src/api.ts types `Alert.settings` only as a record:
 * these schemas are the console's proposal until the core's alerting publishes its own.
 */

export interface AlertModule {
  /** `email`, `webhook` or `command` for the built-in proposals; the core may name others. */
  id: string;
  label: string;
  help: string;
  /** JSON Schema object of `settings`. */
  settings: Record<string, unknown>;
}

export const ALERT_MODULES: readonly AlertModule[] = [
  {
    id: 'email',
    label: 'E-mail',
    help: 'Sends a message through the SMTP server of the settings page.',
    settings: {
      type: 'object',
      required: ['to'],
      properties: {
        to: { type: 'string', title: 'To', description: 'Recipients, separated by commas.', minLength: 3, maxLength: 1000, pattern: '@', examples: ['oncall@example.com, it@example.com'] },
        subjectPrefix: { type: 'string', title: 'Subject prefix', description: 'Put before every subject, so mail filters can sort alerts.', maxLength: 64, default: '[Prophasis]' },
      },
    },
  },
  {
    id: 'webhook',
    label: 'Webhook',
    help: 'POSTs the transition as JSON to a URL: Slack, Microsoft Teams, ntfy or your own endpoint.',
    settings: {
      type: 'object',
      required: ['url', 'format'],
      properties: {
        url: { type: 'string', title: 'URL', description: 'Where the alert is POSTed. Use https:// unless the receiver is on your own network.', maxLength: 2000, pattern: '^https?://', examples: ['https://hooks.example.com/prophasis'] },
        format: {
          title: 'Format',
          description: 'How the body is shaped for the receiver.',
          default: 'json',
          oneOf: [
            { const: 'json', title: 'JSON (the Prophasis event)' },
            { const: 'slack', title: 'Slack incoming webhook' },
            { const: 'teams', title: 'Microsoft Teams workflow' },
            { const: 'ntfy', title: 'ntfy topic' },
          ],
        },
        token: { type: 'string', title: 'Bearer token', description: 'Sent as Authorization: Bearer …, for receivers that need one (ntfy with access control).', maxLength: 1000, format: 'password' },
      },
    },
  },
  {
    id: 'command',
    label: 'Command',
    help: 'Runs a program on the core’s machine with the transition in environment variables (PROPHASIS_FROM, PROPHASIS_TO, PROPHASIS_TARGET).',
    settings: {
      type: 'object',
      required: ['path'],
      properties: {
        path: { type: 'string', title: 'Program', description: 'Absolute path of the executable.', maxLength: 1000, pattern: '^/', examples: ['/usr/local/bin/page-oncall'] },
        args: { type: 'string', title: 'Arguments', description: 'Separated by spaces; no shell is involved.', maxLength: 2000 },
        timeoutSeconds: { type: 'integer', title: 'Time limit (s)', description: 'The program is stopped after this long.', minimum: 1, maximum: 300, default: 30 },
      },
    },
  },
];

export interface WebhookPreset {
  id: string;
  label: string;
  format: string;
  /** What the receiver's URL looks like, shown as the URL field's example. */
  example: string;
  help: string;
}

/** One click sets the webhook's format for a well-known receiver. */
export const WEBHOOK_PRESETS: readonly WebhookPreset[] = [
  { id: 'slack', label: 'Slack', format: 'slack', example: 'https://hooks.slack.com/services/T000/B000/XXXX', help: 'Create an incoming webhook in Slack and paste its URL.' },
  { id: 'teams', label: 'Teams', format: 'teams', example: 'https://prod-00.westeurope.logic.azure.com/workflows/…', help: 'Create a “Post to a channel when a webhook request is received” workflow and paste its URL.' },
  { id: 'ntfy', label: 'ntfy', format: 'ntfy', example: 'https://ntfy.sh/your-topic', help: 'The URL of your ntfy topic; add a token if the server has access control.' },
];

/** The module definition for an id; undefined for a module the console does not know. */
export function alertModule(id: string, modules: readonly AlertModule[] = ALERT_MODULES): AlertModule | undefined {
  return modules.find((m) => m.id === id);
}

/**
 * The modules as the core describes them (`GET /api/alert-modules`, protocol's
 * `AlertModuleInfo[]`): the core's settings schema wins, the console's help text stays. An entry
 * without an object schema keeps the console's proposal; an answer that is not a list changes
 * nothing.
 */
export function mergeAlertModules(answer: unknown, fallback: readonly AlertModule[] = ALERT_MODULES): readonly AlertModule[] {
  const list = Array.isArray(answer) ? answer : isRecord(answer) && Array.isArray(answer['items']) ? (answer['items'] as unknown[]) : undefined;
  if (!list || list.length === 0) return fallback;
  const out: AlertModule[] = [];
  for (const entry of list) {
    if (!isRecord(entry) || typeof entry['id'] !== 'string') continue;
    const id = entry['id'];
    const known = fallback.find((m) => m.id === id);
    const schema = entry['settingsSchema'];
    const settings = isRecord(schema) && (schema['type'] === 'object' || isRecord(schema['properties'])) ? schema : known?.settings;
    if (!settings) continue;
    const label = typeof entry['label'] === 'string' && entry['label'] ? entry['label'] : (known?.label ?? id);
    out.push({ id, label, help: known?.help ?? '', settings });
  }
  return out.length > 0 ? out : fallback;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
