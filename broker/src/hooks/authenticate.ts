import { ENROL_USERNAME, isValidAgentId, type Logger } from '@prophasis/protocol';
import type { AuthenticateError, Client } from 'aedes';
import { canPublish, describeIdentity, enrolClientIdProblem, SERVICE_USERNAME, type ClientIdentity } from '../acl.js';
import type { AuthResult, ClientAuthenticator } from '../broker.js';
import type { BrokerConfig } from '../config.js';
import { eventBase, type ReportSecurity } from '../security-events.js';

// [MQTT-3.2.2.3] CONNACK return codes
const CONNACK = {
  identifier_rejected: 2,
  server_unavailable: 3,
  bad_credentials: 4,
  not_authorized: 5,
} as const;

function authError(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

export interface AuthenticateDeps {
  log: Logger;
  security: ReportSecurity;
  authenticator: ClientAuthenticator;
  /** The CONNECT rate limit (token-bucket.ts) and its settings, for the log. */
  bucket: { acquire(): Promise<boolean> };
  limits: Pick<BrokerConfig, 'maxConnectionsPerSecond' | 'connectionWaitMs'>;
  /** Will topics noted by preConnect. */
  wills: WeakMap<Client, string>;
  /** Where an accepted client's identity is kept for the other hooks. */
  identities: WeakMap<Client, ClientIdentity>;
}

/**
 * aedes `authenticate`: the CONNECT rate limit, the client id rules of each kind of client,
 * the authenticator, and the will topic's ACL check.
 */
export function createAuthenticate({ log, security, authenticator, bucket, limits, wills, identities }: AuthenticateDeps) {
  let rateLimited = { count: 0, since: 0 };

  function rateLimitedConnect(client: Client): void {
    const now = Date.now();
    rateLimited.count++;
    // One log line per second during a storm instead of one per refused client.
    if (now - rateLimited.since >= 1000) {
      security({ kind: 'connection_rate_limited', ...eventBase(client), reason: `${rateLimited.count} connection(s) over ${limits.maxConnectionsPerSecond}/s (after waiting up to ${limits.connectionWaitMs} ms) refused with CONNACK 3 (server unavailable)` });
      rateLimited = { count: 0, since: now };
    }
  }

  async function decideAuth(client: Client, username: string | undefined, password: Buffer | undefined): Promise<ClientIdentity> {
    const clientId = client.id;
    const refuse = (code: number, kind: string, reason: string): never => {
      security({ kind, clientId, ...(username && !username.startsWith('$') ? { agentId: username } : {}), reason });
      throw authError(code, reason);
    };
    if (!(await bucket.acquire())) {
      rateLimitedConnect(client);
      throw authError(CONNACK.server_unavailable, 'connection rate limit reached');
    }
    if (!username || !password) refuse(CONNACK.bad_credentials, 'auth_failed', 'username and password are required');
    if (username === ENROL_USERNAME) {
      const problem = enrolClientIdProblem(clientId);
      if (problem) refuse(CONNACK.identifier_rejected, 'identifier_rejected', problem);
    } else if (username !== SERVICE_USERNAME) {
      // Agents: client id = username = agent id, checked before any credential lookup.
      if (clientId !== username) refuse(CONNACK.identifier_rejected, 'identifier_rejected', 'client id differs from username');
      if (!isValidAgentId(username)) refuse(CONNACK.identifier_rejected, 'identifier_rejected', 'not a valid agent id');
    }
    let result: AuthResult;
    try {
      result = await authenticator.authenticate({ clientId, username: username!, password: password! });
    } catch (err) {
      log.error({ err, clientId }, 'the authenticator failed');
      throw authError(CONNACK.server_unavailable, 'authentication is unavailable');
    }
    if (!result.ok) return refuse(CONNACK[result.reason], 'auth_failed', `${result.reason}: ${result.message}`);
    const identity = result.identity;
    const consistent =
      (identity.role === 'agent' && identity.agentId === clientId && username === clientId) ||
      (identity.role === 'enrolment' && identity.clientId === clientId && username === ENROL_USERNAME) ||
      (identity.role === 'service' && username === SERVICE_USERNAME);
    if (!consistent) refuse(CONNACK.not_authorized, 'auth_failed', `the authenticator returned ${describeIdentity(identity)} for username ${username}`);
    const willTopic = wills.get(client);
    if (willTopic !== undefined) {
      const decision = canPublish(identity, willTopic);
      if (!decision.allowed) {
        security({ kind: 'will_denied', ...eventBase(client, identity), topic: willTopic, reason: decision.reason });
        throw authError(CONNACK.not_authorized, `will topic refused: ${decision.reason}`);
      }
    }
    return identity;
  }

  return (client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthenticateError | null, success: boolean | null) => void): void => {
    decideAuth(client, username, password).then(
      (identity) => {
        identities.set(client, identity);
        done(null, true);
      },
      (err: AuthenticateError) => done(err, false),
    );
  };
}
