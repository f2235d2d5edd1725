import { createHash } from 'node:crypto';

const hash = (...parts: string[]): string => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 40);

/**
 * Id of the result of a scheduled run: derived from agent, plan entry and slot, so running a
 * slot again (a crash between the run and its commit) yields the same id, which the outbox and
 * the core store once. 160 bits of SHA-256 in the protocol's `Id` alphabet.
 */
export function scheduledResultId(agentId: string, entryKey: string, slot: number): string {
  return `s-${hash(agentId, entryKey, String(slot))}`;
}

/** Id of the result of a `check.run`: derived from its request id (a redelivered command gives the same id). */
export function requestResultId(agentId: string, requestId: string): string {
  return `q-${hash(agentId, requestId)}`;
}
