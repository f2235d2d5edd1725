/**
 * @prophasis/broker — the embedded MQTT broker: TLS listener, per-agent credentials, topic
 * ACLs and on-disk sessions (docs/broker.md). The core starts it; `prophasis-broker` runs it
 * standalone.
 */
export { ensurePki, certificateFingerprint, defaultSans, openTicketKeys, TICKET_KEY_LIFETIME_MS, type Pki, type PkiOptions, type TicketKeys } from './pki.js';
export { createSecretHasher, generateSecret, type SecretHasher } from './credentials.js';
export { canPublish, canSubscribe, describeIdentity, ENROL_CLIENT_PREFIX, type AclDecision, type ClientIdentity } from './acl.js';
export { brokerDefaults, readBrokerSettings, BrokerSettingsSchema, type BrokerConfig, type BrokerSettings, type BrokerTls } from './config.js';
export {
  createBroker,
  SERVICE_USERNAME,
  type AuthFailureReason,
  type AuthResult,
  type Broker,
  type BrokerClientEvent,
  type BrokerClientListener,
  type BrokerDeps,
  type ClientAuthenticator,
  type InProcessHandler,
  type SecurityEvent,
} from './broker.js';
export { BrokerErrors } from './errors.js';
export { topicMatches } from './topic-filter.js';
export { createFileAuthenticator, readCredentialsFile, writeCredentialsFile, type CredentialsFile, type FileAuthenticator } from './file-authenticator.js';
export { issueCredential, loadPepper, startStandalone, standalonePaths } from './standalone.js';
