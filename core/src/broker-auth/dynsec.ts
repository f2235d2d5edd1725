import { enrolIdentity, type Logger } from '@prophasis/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { randomUUID } from 'node:crypto';
import type { SystemLog } from '../kernel/index.js';
import { BrokerAuthErrors } from './errors.js';
import { agentTopics, enrolTopics } from './topics.js';

/** Where Mosquitto's dynamic-security plugin takes commands and answers them (mosquitto 2, plugins/dynamic-security/README.md). */
const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;
/** Roles and clients the core owns carry this prefix; everything else on the broker is left alone. */
const ROLE_PREFIX = 'prophasis-';
const CORE_ROLE = 'prophasis-core';
/** The core's own role: everything inside prophasis/ (as the embedded broker's service identity). */
const CORE_ACLS = [
  { acltype: 'publishClientSend', topic: 'prophasis/#', allow: true },
  { acltype: 'publishClientReceive', topic: 'prophasis/#', allow: true },
  { acltype: 'subscribePattern', topic: 'prophasis/#', allow: true },
];
const AGENT_ID = /^a-[a-z2-7]{26}$/;
const ENROL_ID = /^enrol-[0-9a-f]{24}$/;

/** One dynamic-security command, as `$CONTROL/dynamic-security/v1` takes it. */
type Command = { command: string } & Record<string, unknown>;
type Acl = { acltype: 'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern'; topic: string; allow: boolean; priority?: number };
interface Answer {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
  correlationData?: string;
}

export interface DynsecConfig {
  /** `mqtts://host:port` of the Mosquitto (the core's PROPHASIS_MQTT_URL). */
  url: string;
  caPem?: string | undefined;
  /** The core's user on that broker; it must hold the dynsec admin role (`mosquitto_ctrl dynsec init`). */
  username: string;
  password: string;
  /** Client id of the provisioning connection (the core's own id + `-dynsec`). */
  clientId: string;
  /** How long a command may wait for the broker's answer. */
  commandTimeoutMs: number;
}

/** What reconciling the broker's accounts against the agent registry did. */
export interface ReconcileReport {
  /** Accounts of agents the registry no longer knows as enrolled (revoked, re-enrolled, deleted): removed. */
  removed: string[];
  /** Enrolled agents without an account: they cannot connect until re-enrolled (the core keeps only keyed hashes of their secrets). */
  missing: string[];
  /** Expired enrolment-token accounts: removed. */
  expiredTokens: number;
}

/** The broker accounts the core keeps, as the agent registry needs them (one client and one role each). */
export interface DynsecProvisioner {
  start(): Promise<void>;
  stop(): Promise<void>;
  addAgent(agentId: string, secret: string): Promise<void>;
  /** Deletes the agent's client (Mosquitto ends its connection at once) and role; an absent one is fine. */
  removeAgent(agentId: string): Promise<void>;
  addEnrolmentToken(token: string, expiresAt: Date): Promise<void>;
  removeEnrolmentToken(token: string): Promise<void>;
  /** Lists the broker's clients and fixes differences with the registry (idempotent; run at start). */
  reconcile(enrolledAgentIds: ReadonlySet<string>, now?: Date): Promise<ReconcileReport>;
}

const roleOf = (name: string) => `${ROLE_PREFIX}${name}`;

/** The role of one identity: exactly the embedded broker's ACL (broker/src/acl.ts), nothing by default. */
function ownTopicsAcls(topics: { subscribe: string; publish: string[] }): Acl[] {
  return [
    { acltype: 'subscribeLiteral', topic: topics.subscribe, allow: true },
    { acltype: 'publishClientReceive', topic: topics.subscribe, allow: true },
    ...topics.publish.map((topic): Acl => ({ acltype: 'publishClientSend', topic, allow: true })),
  ];
}

/**
 * Mosquitto 2 dynamic security, driven by the core: one client (username = client id = agent
 * id, password = the secret the agent received) and one role per agent, one per outstanding
 * single-use enrolment token, and the core's own role. Commands travel over a connection of
 * their own (clean session) on `$CONTROL/dynamic-security/v1`; each answer is matched by its
 * correlation data, and an error in it is raised naming the broker's words.
 */
export function createDynsecProvisioner(config: DynsecConfig, deps: { logger: Logger; systemLog: SystemLog }): DynsecProvisioner {
  const log = deps.logger.child({ component: 'broker-provisioning' });
  let client: MqttClient | undefined;
  const pending = new Map<string, { resolve(answer: Answer): void }>();

  /** Sends commands in one message and returns their answers in order. */
  async function send(commands: Command[]): Promise<Answer[]> {
    const c = client;
    if (!c) throw BrokerAuthErrors.NOT_STARTED();
    const tagged = commands.map((cmd) => ({ ...cmd, correlationData: randomUUID() }));
    const waits = tagged.map(
      (cmd) =>
        new Promise<Answer>((resolve) => {
          pending.set(cmd.correlationData, { resolve });
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        for (const cmd of tagged) pending.delete(cmd.correlationData);
        // Mosquitto drops a publish the ACL refuses without a word (MQTT 3.1.1 has no negative PUBACK).
        reject(BrokerAuthErrors.PROVISIONING_TIMEOUT(`no answer to ${commands.map((x) => x.command).join(', ')} within ${config.commandTimeoutMs} ms; does ${config.username} hold the dynamic-security admin role?`));
      }, config.commandTimeoutMs);
    });
    try {
      const answered = Promise.race([Promise.all(waits), timeout]);
      await Promise.race([c.publishAsync(CONTROL_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 }), answered]);
      return await answered;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs commands; an error other than "not found" on a delete is raised with the broker's words. */
  async function run(commands: Command[], what: string): Promise<Answer[]> {
    const answers = await send(commands);
    const failed = answers.find((a) => a.error && !(a.command.startsWith('delete') && /not found/i.test(a.error)));
    if (failed) {
      deps.systemLog.write('error', 'transport', `the broker refused ${what}: ${failed.command}: ${failed.error}`, { command: failed.command });
      throw BrokerAuthErrors.PROVISIONING_REFUSED(`${what}: ${failed.command}: ${failed.error}`);
    }
    return answers;
  }

  /** Replaces the client and role `name` (delete, then create): the same call twice leaves one account. */
  const account = (name: string, password: string, acls: Acl[], textdescription: string): Command[] => [
    { command: 'deleteClient', username: name },
    { command: 'deleteRole', rolename: roleOf(name) },
    { command: 'createRole', rolename: roleOf(name), acls },
    { command: 'createClient', username: name, clientid: name, password, textdescription, roles: [{ rolename: roleOf(name) }] },
  ];
  const removal = (name: string): Command[] => [
    { command: 'deleteClient', username: name },
    { command: 'deleteRole', rolename: roleOf(name) },
  ];

  /** The provisioning connection, subscribed to the answers. */
  async function connect(): Promise<MqttClient> {
    const options: IClientOptions = {
      clientId: config.clientId,
      clean: true,
      keepalive: 30,
      reconnectPeriod: 5_000,
      connectTimeout: config.commandTimeoutMs,
      protocolVersion: 4,
      username: config.username,
      password: config.password,
      ...(config.caPem ? { ca: config.caPem } : {}),
    };
    const c = mqtt.connect(config.url, options);
    c.on('message', (topic, payload) => {
      if (topic !== RESPONSE_TOPIC) return;
      let answers: Answer[] = [];
      try {
        answers = (JSON.parse(payload.toString('utf8')) as { responses?: Answer[] }).responses ?? [];
      } catch {
        log.warn('an unreadable dynamic-security answer');
      }
      for (const answer of answers) {
        const waiting = answer.correlationData ? pending.get(answer.correlationData) : undefined;
        if (!waiting) continue;
        pending.delete(answer.correlationData!);
        waiting.resolve(answer);
      }
    });
    await new Promise<void>((resolve, reject) => {
      c.once('connect', () => resolve());
      c.once('error', (err) => {
        c.end(true);
        reject(BrokerAuthErrors.PROVISIONING_REFUSED(`connecting as ${config.username}: ${err.message}`));
      });
    });
    c.on('error', (err) => log.warn({ err }, 'provisioning connection error'));
    const granted = await c.subscribeAsync(RESPONSE_TOPIC, { qos: 1 });
    if (granted.some((g) => g.qos === 128)) {
      await c.endAsync(true);
      throw BrokerAuthErrors.PROVISIONING_REFUSED(`the broker refused ${config.username} the subscription to ${RESPONSE_TOPIC}; give it the dynamic-security admin role`);
    }
    return c;
  }

  return {
    async start() {
      client = await connect();
      const [info] = await send([{ command: 'getClient', username: config.username }]);
      const roles = ((info?.data?.client as { roles?: { rolename: string }[] } | undefined)?.roles ?? []).map((r) => r.rolename);
      if (!roles.includes(CORE_ROLE)) {
        // Once per broker: the core's role over the prophasis/ tree. Mosquitto ends the
        // connections of a client whose roles change, this one included, so the answer is
        // never read: wait for the kick and connect again.
        await run([{ command: 'createRole', rolename: CORE_ROLE, acls: CORE_ACLS }], 'the core role').catch((err: Error) => {
          if (!/already exists/i.test(err.message)) throw err;
        });
        const c = client;
        const kicked = new Promise<void>((resolve) => c.once('close', () => resolve()));
        await c.publishAsync(CONTROL_TOPIC, JSON.stringify({ commands: [{ command: 'addClientRole', username: config.username, rolename: CORE_ROLE }] }), { qos: 0 });
        await Promise.race([kicked, new Promise((r) => setTimeout(r, config.commandTimeoutMs))]);
        client = undefined;
        await c.endAsync(true);
        client = await connect();
      }
      // Nothing is allowed unless a role says so.
      await run(
        [
          {
            command: 'setDefaultACLAccess',
            acls: [
              { acltype: 'publishClientSend', allow: false },
              { acltype: 'publishClientReceive', allow: false },
              { acltype: 'subscribe', allow: false },
              { acltype: 'unsubscribe', allow: true },
            ],
          },
        ],
        'the default ACL access',
      );
      log.info({ url: config.url }, 'provisioning agents on Mosquitto dynamic security');
    },

    async stop() {
      const c = client;
      client = undefined;
      // Forced: a command the broker dropped leaves a QoS 1 publish in flight that must not hold the stop.
      if (c) await c.endAsync(true);
    },

    async addAgent(agentId, secret) {
      await run(account(agentId, secret, ownTopicsAcls(agentTopics(agentId)), 'prophasis agent'), `provisioning agent ${agentId}`);
    },

    async removeAgent(agentId) {
      await run(removal(agentId), `removing agent ${agentId}`);
    },

    async addEnrolmentToken(token, expiresAt) {
      const name = enrolIdentity(token);
      await run(account(name, token, ownTopicsAcls(enrolTopics(name)), `prophasis enrolment token, expires ${expiresAt.toISOString()}`), 'provisioning an enrolment token');
    },

    async removeEnrolmentToken(token) {
      await run(removal(enrolIdentity(token)), 'removing an enrolment token');
    },

    async reconcile(enrolled, now = new Date()) {
      const [list] = await run([{ command: 'listClients', verbose: true, count: -1 }], 'listing clients');
      const clients = ((list?.data?.clients ?? []) as { username: string; textdescription?: string }[]).filter((c) => AGENT_ID.test(c.username) || ENROL_ID.test(c.username));
      const present = new Set(clients.map((c) => c.username));
      const removed = clients.filter((c) => AGENT_ID.test(c.username) && !enrolled.has(c.username)).map((c) => c.username);
      const expired = clients
        .filter((c) => ENROL_ID.test(c.username))
        .filter((c) => {
          const at = /expires (\S+)$/.exec(c.textdescription ?? '')?.[1];
          return !at || !(Date.parse(at) > now.getTime());
        })
        .map((c) => c.username);
      const doomed = [...removed, ...expired];
      if (doomed.length > 0) await run(doomed.flatMap(removal), 'removing stale accounts');
      const missing = [...enrolled].filter((id) => !present.has(id));
      if (missing.length > 0) {
        deps.systemLog.write('warn', 'transport', `${missing.length} enrolled agent(s) have no account on the broker and must be enrolled again`, { agentIds: missing.slice(0, 20) });
      }
      log.info({ removed: removed.length, expiredTokens: expired.length, missing: missing.length }, 'broker accounts reconciled');
      return { removed, missing, expiredTokens: expired.length };
    },
  };
}
