/** The REST API's shapes (protocol/src/api.ts): live events (`GET /api/events`, server-sent events). */

export type ApiEventType = 'state.changed' | 'host.presence' | 'result.stored' | 'config.changed';

/** One server-sent event: the SSE `event:` field is `type`, `data:` is this object as JSON. */
export interface ApiEvent {
  type: ApiEventType;
  /** Epoch ms when it happened. */
  ts: number;
  data: Record<string, unknown>;
}
