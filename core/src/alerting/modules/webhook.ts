import { compareSeverity, type Severity } from '@prophasis/protocol';
import { Type, type Static } from '@sinclair/typebox';
import { AlertErrors } from '../errors.js';
import { defaultMessage, noticeJson, testNotice } from '../message.js';
import type { RenderedMessage } from '../templates.js';
import type { AlertModule, AlertNotice } from '../types.js';
import { invalidField, validateSettings } from './validate.js';

const WEBHOOK_FORMATS = ['json', 'slack', 'teams', 'ntfy'] as const;
type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

const WebhookSettingsSchema = Type.Object(
  {
    /** Where the alert is POSTed; http:// only for receivers on your own network. */
    url: Type.String({ minLength: 8, maxLength: 2000, pattern: '^https?://' }),
    /** Body shape: the Prophasis notice, or a preset for Slack, Microsoft Teams or ntfy. */
    format: Type.Optional(Type.Union(WEBHOOK_FORMATS.map((f) => Type.Literal(f)), { default: 'json', title: 'Format' })),
    /** Extra request headers. */
    headers: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.String({ maxLength: 4000 }), { default: {}, title: 'Extra headers' })),
    /** Sent as `Authorization: Bearer …` when set (ntfy with access control, your own endpoint). */
    token: Type.Optional(Type.String({ maxLength: 1000, default: '', title: 'Bearer token' })),
    /** The request is abandoned (and retried later) after this long. */
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, default: 10, title: 'Timeout (seconds)' })),
  },
  { additionalProperties: false },
);
export type WebhookSettings = Static<typeof WebhookSettingsSchema>;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
// Framing headers belong to fetch; letting settings set them would corrupt the request.
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

/** ntfy priorities 1–5 from the new severity. */
function ntfyPriority(to: Severity): number {
  if (compareSeverity(to, 'major') <= 0) return 5;
  if (to === 'minor') return 4;
  if (to === 'degraded' || to === 'unknown') return 3;
  return 2;
}

/** ntfy's JSON publishing posts to the server root with the topic in the body. */
function ntfyTarget(url: string): { endpoint: string; topic: string } {
  const u = new URL(url);
  const parts = u.pathname.split('/').filter((p) => p !== '');
  const topic = parts.pop() ?? '';
  u.pathname = `/${parts.join('/')}`;
  u.search = '';
  return { endpoint: u.toString(), topic };
}

/** The request body of each format (docs/alerts.md, "webhook"). */
function webhookBody(format: WebhookFormat, notice: AlertNotice, url: string, message: RenderedMessage): { endpoint: string; body: unknown } {
  const { subject, text } = message;
  switch (format) {
    case 'json':
      return { endpoint: url, body: noticeJson(notice, message) };
    case 'slack':
      // Incoming webhooks: `text` is the notification and fallback; mrkdwn bold for the subject.
      return { endpoint: url, body: { text: `*${subject}*\n${text}` } };
    case 'teams':
      // Workflows ("When a Teams webhook request is received") take an Adaptive Card message.
      return {
        endpoint: url,
        body: {
          type: 'message',
          attachments: [
            {
              contentType: 'application/vnd.microsoft.card.adaptive',
              contentUrl: null,
              content: {
                $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
                type: 'AdaptiveCard',
                version: '1.4',
                body: [
                  { type: 'TextBlock', size: 'Medium', weight: 'Bolder', text: subject, wrap: true },
                  { type: 'TextBlock', text, wrap: true },
                ],
                // Buttons opening the action links' confirmation pages (docs/alerts.md, "Action links").
                ...(message.actions
                  ? {
                      actions: [
                        { type: 'Action.OpenUrl', title: 'Acknowledge', url: message.actions.acknowledge },
                        { type: 'Action.OpenUrl', title: 'Mute 1 h', url: message.actions.mute1h },
                        { type: 'Action.OpenUrl', title: 'Mute until ok', url: message.actions.muteUntilOk },
                      ],
                    }
                  : {}),
              },
            },
          ],
        },
      };
    case 'ntfy': {
      const { endpoint, topic } = ntfyTarget(url);
      return {
        endpoint,
        body: {
          topic,
          title: subject,
          message: text,
          priority: ntfyPriority(notice.to),
          tags: [notice.to, ...(notice.late ? ['late'] : [])],
          // ntfy's action buttons open the links' confirmation pages (docs/alerts.md, "Action links").
          ...(message.actions
            ? {
                actions: [
                  { action: 'view', label: 'Acknowledge', url: message.actions.acknowledge },
                  { action: 'view', label: 'Mute 1 h', url: message.actions.mute1h },
                  { action: 'view', label: 'Mute until ok', url: message.actions.muteUntilOk },
                ],
              }
            : {}),
        },
      };
    }
  }
}

/**
 * JSON POST to a URL (docs/alerts.md, "webhook"), shaped by `format`. Any answer outside 2xx
 * (redirects included: they are not followed) is a failure; errors name the URL's origin only,
 * because webhook paths often carry the secret (Slack, Teams).
 */
export function createWebhookModule(deps: { fetch?: typeof fetch } = {}): AlertModule<WebhookSettings> {
  const doFetch = deps.fetch ?? fetch;
  const module: AlertModule<WebhookSettings> = {
    id: 'webhook',
    label: 'Webhook',
    settingsSchema: WebhookSettingsSchema,
    validate(settings) {
      const s = validateSettings('webhook', WebhookSettingsSchema, settings);
      let url: URL;
      try {
        url = new URL(s.url);
      } catch {
        return invalidField('webhook', 'url', 'is not a valid URL');
      }
      if (url.username || url.password) invalidField('webhook', 'url', 'must not carry credentials; use token or headers');
      if (s.format === 'ntfy' && ntfyTarget(s.url).topic === '') invalidField('webhook', 'url', 'an ntfy URL must end with the topic, e.g. https://ntfy.sh/your-topic');
      for (const [name, value] of Object.entries(s.headers ?? {})) {
        if (!HEADER_NAME.test(name)) invalidField('webhook', `headers.${name}`, 'is not a valid header name');
        if (RESERVED_HEADERS.has(name.toLowerCase())) invalidField('webhook', `headers.${name}`, 'cannot be set');
        if (/[\r\n\0]/.test(value)) invalidField('webhook', `headers.${name}`, 'must be one line');
      }
      if (/[\r\n\0]/.test(s.token ?? '')) invalidField('webhook', 'token', 'must be one line');
      return s;
    },
    async send(notice, settings, message = defaultMessage(notice)) {
      const { endpoint, body } = webhookBody(settings.format ?? 'json', notice, settings.url, message);
      const origin = new URL(endpoint).origin;
      const headers: Record<string, string> = { ...settings.headers, 'content-type': 'application/json', 'user-agent': 'Prophasis-Alerting/1' };
      if (settings.token) headers.authorization = `Bearer ${settings.token}`;
      // The same on every attempt and after a restart (delivery is at least once): receivers of
      // any format can de-duplicate on it.
      if (notice.deliveryId) headers['idempotency-key'] = notice.deliveryId;
      let response: Response;
      try {
        response = await doFetch(endpoint, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          redirect: 'manual',
          signal: AbortSignal.timeout((settings.timeoutSeconds ?? 10) * 1000),
        });
      } catch (err) {
        const reason = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? `no answer within ${settings.timeoutSeconds ?? 10} s` : causeOf(err);
        throw AlertErrors.DELIVERY_FAILED(`webhook: POST ${origin}: ${reason}`);
      }
      // Drain the body so the connection is released; its content is not needed.
      const answer = await response.text().catch(() => '');
      if (response.status < 200 || response.status > 299) {
        throw AlertErrors.DELIVERY_FAILED(`webhook: HTTP ${response.status} from ${origin}${answer ? `: ${answer.slice(0, 200)}` : ''}`);
      }
    },
    test: (settings) => module.send(testNotice(), settings),
  };
  return module;
}

/** fetch wraps socket errors as "fetch failed" with the real reason in `cause`. */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
