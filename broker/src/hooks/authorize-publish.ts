import type { Logger } from '@prophasis/protocol';
import type { Aedes, Client, PublishPacket } from 'aedes';
import { canPublish, type ClientIdentity } from '../acl.js';
import type { BrokerConfig } from '../config.js';
import { eventBase, type ReportSecurity } from '../security-events.js';

export interface AuthorizePublishDeps {
  log: Logger;
  security: ReportSecurity;
  /** Identities of authenticated clients, set by authenticate. */
  identities: WeakMap<Client, ClientIdentity>;
  /** Counts a refusal; true when the client has reached the offence limit (offences.ts). */
  offend(client: Client): boolean;
  limits: Pick<BrokerConfig, 'offenceLimit'>;
  /** True once stop() has begun. */
  isStopping(): boolean;
  /** Publishes that were authorised only to be acknowledged and dropped (dropRefusedPublishes). */
  dropped: WeakSet<object>;
  /** Calls the in-process subscribers whose filter matches, one after another. */
  deliverInProcess(topic: string, payload: Buffer): Promise<void>;
}

/**
 * aedes `authorizePublish`: the topic ACL for publishes and wills, then the in-process
 * subscribers, so that the publishing client gets its PUBACK only after they finished.
 */
export function createAuthorizePublish({ log, security, identities, offend, limits, isStopping, dropped, deliverInProcess }: AuthorizePublishDeps) {
  return (client: Client | null, packet: PublishPacket, callback: (error?: Error | null) => void): void => {
    // client === null: a will left by a previous broker run, checked against the ACL when
    // its client connected.
    const identity = client ? identities.get(client) : undefined;
    const isWill = client === null || client.closed;
    if (isWill && isStopping()) return callback(new Error('the broker is stopping: wills are not published'));
    if (client) {
      const decision = identity ? canPublish(identity, packet.topic) : ({ allowed: false, reason: 'not authenticated' } as const);
      if (!decision.allowed) {
        security({ kind: isWill ? 'will_denied' : 'publish_denied', ...eventBase(client, identity), topic: packet.topic, reason: decision.reason });
        if (isWill) return callback(new Error(decision.reason));
        if (offend(client)) {
          security({ kind: 'offence_limit', ...eventBase(client, identity), reason: `disconnected after ${limits.offenceLimit} refused operations` });
          return callback(new Error('too many refused operations'));
        }
        // [MQTT-3.3.5-2]: a refused PUBLISH is either acknowledged as usual or the connection
        // is closed. Below the offence limit it is acknowledged and then dropped by the
        // publish wrapper (dropRefusedPublishes, installed in start()), so one mistake does
        // not cost a reconnect.
        dropped.add(packet);
        return callback(null);
      }
    }
    deliverInProcess(packet.topic, packet.payload as Buffer).then(
      () => callback(null),
      (err: unknown) => {
        // No PUBACK: the connection closes and the client sends the message again after it
        // reconnects, so a handler failure never loses a result.
        log.error({ err, clientId: client?.id, topic: packet.topic }, 'an in-process subscriber failed; the publish is not acknowledged');
        callback(err instanceof Error ? err : new Error(String(err)));
      },
    );
  };
}

/**
 * Wraps `instance.publish` so that the refused publishes below the offence limit, which
 * aedes acknowledged, end here instead of reaching subscribers.
 */
export function dropRefusedPublishes(instance: Aedes, dropped: WeakSet<object>): void {
  const publish = instance.publish.bind(instance) as unknown as (packet: PublishPacket, client: Client | null, done: (err?: Error) => void) => void;
  (instance as unknown as { publish: typeof publish }).publish = (packet, client, done) => {
    if (typeof client === 'function') return publish(packet, null, client);
    if (dropped.has(packet)) {
      dropped.delete(packet);
      return done();
    }
    publish(packet, client, done);
  };
}
