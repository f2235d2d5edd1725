import type { Logger } from '@prophasis/protocol';
import type { SystemLog } from '../kernel/index.js';
import { readFile } from 'node:fs/promises';
import { createDynsecProvisioner, type DynsecProvisioner, type ReconcileReport } from './dynsec.js';
import { BrokerAuthErrors } from './errors.js';

/** How long one dynamic-security command may wait for Mosquitto's answer. */
const COMMAND_TIMEOUT_MS = 10_000;

/** The settings provisioning reads: the core's own and its transport's. */
export interface ProvisioningSettings {
  mqttProvisioning: 'none' | 'mosquitto-dynsec';
  mqttUrl: string;
  mqttCaFile: string;
  mqttClientId: string;
  mqttUsername: string;
  mqttPassword: string;
}

/** Broker provisioning as the composition root runs it: started before agents can enrol, reconciled at start. */
export interface BrokerProvisioning {
  /** What the agent registry calls on enrolment, token issue and re-enrolment. */
  readonly accounts: Omit<DynsecProvisioner, 'start' | 'stop' | 'reconcile'>;
  start(): Promise<ReconcileReport>;
  stop(): Promise<void>;
}

/**
 * `PROPHASIS_MQTT_PROVISIONING=mosquitto-dynsec`: the core keeps the agents' accounts on the
 * external Mosquitto (docs/external-broker.md); `none`: undefined. A setting that cannot work
 * (no external broker, no core user) stops the start naming it.
 */
export function createBrokerProvisioning(
  settings: ProvisioningSettings,
  deps: { logger: Logger; systemLog: SystemLog; enrolledAgentIds(): Promise<ReadonlySet<string>> },
): BrokerProvisioning | undefined {
  if (settings.mqttProvisioning === 'none') return undefined;
  if (!settings.mqttUrl) throw BrokerAuthErrors.BAD_CONFIG('PROPHASIS_MQTT_PROVISIONING=mosquitto-dynsec needs an external broker (PROPHASIS_MQTT_URL)');
  if (!settings.mqttUsername || !settings.mqttPassword) {
    throw BrokerAuthErrors.BAD_CONFIG('PROPHASIS_MQTT_PROVISIONING=mosquitto-dynsec needs the core\'s dynamic-security admin user (PROPHASIS_MQTT_USERNAME, PROPHASIS_MQTT_PASSWORD)');
  }
  let provisioner: DynsecProvisioner | undefined;
  const started = () => {
    if (!provisioner) throw BrokerAuthErrors.NOT_STARTED();
    return provisioner;
  };
  return {
    accounts: {
      addAgent: (agentId, secret) => started().addAgent(agentId, secret),
      removeAgent: (agentId) => started().removeAgent(agentId),
      addEnrolmentToken: (token, expiresAt) => started().addEnrolmentToken(token, expiresAt),
      removeEnrolmentToken: (token) => started().removeEnrolmentToken(token),
    },
    async start() {
      const p = createDynsecProvisioner(
        {
          url: settings.mqttUrl,
          caPem: settings.mqttCaFile ? await readFile(settings.mqttCaFile, 'utf8') : undefined,
          username: settings.mqttUsername,
          password: settings.mqttPassword,
          clientId: `${settings.mqttClientId}-dynsec`.slice(0, 64),
          commandTimeoutMs: COMMAND_TIMEOUT_MS,
        },
        deps,
      );
      await p.start();
      provisioner = p;
      return p.reconcile(await deps.enrolledAgentIds());
    },
    async stop() {
      const p = provisioner;
      provisioner = undefined;
      await p?.stop();
    },
  };
}
