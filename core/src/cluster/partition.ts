import { createHash } from 'node:crypto';

/** The partition of an agent: the first 32 bits of SHA-256 of its id, modulo the partition count. */
export function partitionOf(agentId: string, partitions: number): number {
  return createHash('sha256').update(agentId).digest().readUInt32BE(0) % partitions;
}

/** Lease names: `p:17` for a partition of agents, `duty:housekeeping` for a once-only duty. */
export const partitionLease = (partition: number): string => `p:${partition}`;
export const dutyLease = (duty: string): string => `duty:${duty}`;
