import { hash } from 'node:crypto';

/** What a result answers: a slot of a plan entry, or a "Run now" request (`check.run`). */
type ResultOrigin = { entryKey: string; slot: number } | { requestId: string };

/**
 * The id of a result, derived from the publishing agent's id and what the result answers
 * (docs/decisions/0008-result-ids-verified.md). The agent stamps it; the core recomputes it
 * from the sender's agent id and refuses a result whose id differs, so one agent can never
 * publish an id that belongs to another host's results.
 *
 * - `s-` + SHA-256(agent id, plan entry key, slot) for a scheduled run: running a slot again
 *   (a crash between the run and its commit) yields the same id, stored once;
 * - `q-` + SHA-256(agent id, request id) for a "Run now": a redelivered request gives the same id.
 *
 * 160 bits of the digest in the protocol's `Id` alphabet. Changing the formula would make every
 * result waiting in an agent's outbox unverifiable: it is pinned by known answers in the spec.
 */
export function resultId(agentId: string, origin: ResultOrigin): string {
  // The parts joined by NUL. One-shot `crypto.hash` on one string (no Hash object, no array per
  // call): the core computes this for every result it receives.
  return 'requestId' in origin
    ? `q-${hash('sha256', `${agentId}\0${origin.requestId}`, 'hex').slice(0, 40)}`
    : `s-${hash('sha256', `${agentId}\0${origin.entryKey}\0${origin.slot}`, 'hex').slice(0, 40)}`;
}
