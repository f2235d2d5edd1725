import type { Client } from 'aedes';
import type { BrokerConfig } from '../config.js';

/**
 * Counts refused operations per client. The returned function counts one offence; true when
 * the client has now reached `config.offenceLimit` and must go.
 */
export function createOffenceCounter(config: Pick<BrokerConfig, 'offenceLimit'>): (client: Client) => boolean {
  const offences = new WeakMap<Client, number>();
  return (client) => {
    const n = (offences.get(client) ?? 0) + 1;
    offences.set(client, n);
    return n >= config.offenceLimit;
  };
}
