import type { Client, ConnectPacket } from 'aedes';

/**
 * aedes `preConnect`: notes the will topic of each CONNECT, so that authenticate can check
 * it against the ACL of the identity it establishes.
 */
export function createPreConnect(wills: WeakMap<Client, string>) {
  return (client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void => {
    if (packet.will) wills.set(client, packet.will.topic);
    callback(null, true);
  };
}
