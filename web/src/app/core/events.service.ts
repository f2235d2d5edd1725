import { Injectable, signal } from '@angular/core';
import { Observable, share } from 'rxjs';
import type { ApiEvent, ApiEventType } from './protocol';

// A record rather than a list so the compiler fails when protocol adds an event type.
const EVENT_TYPES: Readonly<Record<ApiEventType, true>> = {
  'state.changed': true,
  'host.presence': true,
  'result.stored': true,
  'config.changed': true,
};

/**
 * Live updates from `GET /api/events` (server-sent events). One EventSource is shared by all
 * subscribers and closed when the last one leaves; the browser reconnects by itself after a
 * network failure, and `connected()` tells the page whether it is currently live.
 */
@Injectable({ providedIn: 'root' })
export class EventsService {
  readonly connected = signal(false);

  readonly events$: Observable<ApiEvent> = new Observable<ApiEvent>((subscriber) => {
    if (typeof EventSource === 'undefined') return undefined;
    const source = new EventSource('/api/events', { withCredentials: true });
    const onMessage = (message: MessageEvent<string>) => {
      try {
        const event = JSON.parse(message.data) as ApiEvent;
        subscriber.next({ ...event, type: (event.type ?? message.type) as ApiEventType });
      } catch {
        // A malformed event is dropped; the next refresh shows the truth anyway.
      }
    };
    source.onopen = () => this.connected.set(true);
    source.onerror = () => this.connected.set(source.readyState === EventSource.OPEN);
    for (const type of Object.keys(EVENT_TYPES)) source.addEventListener(type, onMessage);
    source.onmessage = onMessage;
    return () => {
      source.close();
      this.connected.set(false);
    };
  }).pipe(share());
}
