import type { Client, Subscription } from 'aedes';
import { canSubscribe, type ClientIdentity } from '../acl.js';
import type { BrokerConfig } from '../config.js';
import { eventBase, type ReportSecurity } from '../security-events.js';

export interface AuthorizeSubscribeDeps {
  security: ReportSecurity;
  /** Identities of authenticated clients, set by authenticate. */
  identities: WeakMap<Client, ClientIdentity>;
  /** Counts a refusal; true when the client has reached the offence limit (offences.ts). */
  offend(client: Client): boolean;
  limits: Pick<BrokerConfig, 'offenceLimit'>;
}

/**
 * aedes `authorizeSubscribe`: the topic ACL. A refused SUBSCRIBE gets a failure return code,
 * and the client is disconnected when it reaches the offence limit.
 */
export function createAuthorizeSubscribe({ security, identities, offend, limits }: AuthorizeSubscribeDeps) {
  return (client: Client, sub: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void => {
    const identity = identities.get(client);
    const decision = identity ? canSubscribe(identity, sub.topic) : ({ allowed: false, reason: 'not authenticated' } as const);
    if (decision.allowed) return callback(null, sub);
    security({ kind: 'subscribe_denied', ...eventBase(client, identity), topic: sub.topic, reason: decision.reason });
    if (offend(client)) {
      security({ kind: 'offence_limit', ...eventBase(client, identity), reason: `disconnected after ${limits.offenceLimit} refused operations` });
      return callback(new Error('too many refused operations'));
    }
    callback(null, null); // SUBACK 0x80 [MQTT-3.9.3]
  };
}
