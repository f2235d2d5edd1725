/**
 * @prophasis/broker — the embedded MQTT broker: TLS listener, per-agent credentials, topic
 * ACLs and on-disk sessions (docs/broker.md). The core starts it; `prophasis-broker` runs it
 * standalone.
 */
export { ensurePki, openTicketKeys, type Pki } from './pki.js';
export { createSecretHasher, generateSecret, type SecretHasher } from './credentials.js';
export { canPublish, canSubscribe, type ClientIdentity } from './acl.js';
export { brokerDefaults, type BrokerSettings } from './config.js';
export {
  createBroker,
  SERVICE_USERNAME,
  type Broker,
  type ClientAuthenticator,
  type SecurityEvent,
} from './broker.js';
export { issueCredential } from './standalone.js';
