import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { ApiEvent } from '@prophasis/protocol';
import type { CoreEvent, EventBus } from '../kernel/index.js';

/** A client that reads slower than this many buffered bytes is dropped; it reconnects and reloads. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Comment lines keep proxies from closing an idle stream. */
const KEEPALIVE_MS = 25_000;

/**
 * The browser's view of a core event (the `ApiEvent` shapes of docs/api.md, "Live events"):
 * the event stream is one subscriber of the core's bus, and this is the one place that maps.
 */
function toApiEvent(event: CoreEvent): ApiEvent {
  switch (event.type) {
    case 'state.changed': {
      const { hostId, serviceId, pluginId, from, to, at, late } = event.transition;
      const data = serviceId !== null ? { serviceId, hostId: null, pluginId: null, from, to, at, late } : { hostId, pluginId, from, to, at, late };
      return { type: 'state.changed', ts: event.ts, data };
    }
    case 'result.stored':
      return { type: 'result.stored', ts: event.ts, data: { count: event.count, latest: event.latest } };
    case 'presence.changed':
      return { type: 'host.presence', ts: event.ts, data: { ...event.change } };
    case 'config.changed':
      return { type: 'config.changed', ts: event.ts, data: { resource: event.resource } };
  }
}

/**
 * `GET /api/events`: server-sent events from the in-process bus. Each event is
 * `event: <type>` + `data: <ApiEvent JSON>`; the stream starts with a `: connected` comment so
 * a client knows it is subscribed. Streams are closed when the server stops.
 */
export async function eventRoutes(api: FastifyInstance, events: EventBus): Promise<void> {
  const open = new Set<ServerResponse>();
  // preClose, not onClose: fastify runs onClose hooks only after every request in flight has
  // finished, and a stream never finishes by itself, so a console left open held up every stop.
  api.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  api.get('/events', { config: { access: 'viewer' }, schema: {
        tags: ['events'],
        operationId: 'streamEvents',
        summary: 'Follow live events (server-sent events)',
        // The handler writes the stream itself (hijack): this schema only describes it.
        response: { 200: { description: 'One `event:` and `data:` (an ApiEvent as JSON) per event', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
      } }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
    });
    res.write('retry: 5000\n: connected\n\n');
    open.add(res);
    const send = (chunk: string) => {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        request.log.warn('event stream client too slow; closing its stream');
        res.end();
        return;
      }
      res.write(chunk);
    };
    const unsubscribe = events.subscribe((core) => {
      const event = toApiEvent(core);
      send(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const keepalive = setInterval(() => send(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    res.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
      open.delete(res);
    });
  });
}
