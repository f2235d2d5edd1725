import { hash } from 'node:crypto';

/**
 * The enrolment identity of a single-use token on a broker whose accounts the core provisions
 * and whose ACLs cannot name the client id (Mosquitto 2.0's dynamic security): `enrol-` and the
 * first 24 hex digits of the token's SHA-256, as both username and client id
 * (docs/decisions/0012-external-broker-accounts.md). The agent falls back to it when `$enrol`
 * is refused at CONNACK.
 */
export function enrolIdentity(token: string): string {
  return `enrol-${hash('sha256', token, 'hex').slice(0, 24)}`;
}
