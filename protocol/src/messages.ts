import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { randomUUID } from 'node:crypto';
import { ProtocolErrors, type ProphasisError } from './errors.js';
import { RESULT_TYPES } from './severity.js';
import { Id, Interval, Params, PluginId, SemVer, Sha256, Timestamp } from './schema-common.js';
import type { Channel } from './topics.js';

/**
 * Every MQTT payload is one JSON envelope `{ v, type, id, ts, body }` (docs/protocol.md,
 * "Envelope"). Each message type is defined here exactly once, as a TypeBox schema: the same
 * object is the TypeScript type (`Static`), the runtime validator (compiled below) and the JSON
 * Schema (TypeBox schemas are JSON Schema) that the REST API's OpenAPI document reuses.
 */
const PROTOCOL_VERSION = 1;

/** Largest payload accepted on `cmd` (a bundle of 5 MiB packed travels as base64). */
const MAX_CMD_BYTES = 8 * 1024 * 1024;
/** Largest payload accepted on `res` and `state`. */
export const MAX_RES_BYTES = 1024 * 1024;

const Message4k = Type.String({ maxLength: 4096 });
const Reason = Type.String({ maxLength: 2048 });

// ---- core → agent (`cmd`) -------------------------------------------------------------

const BundleInstallBody = Type.Object(
  {
    pluginId: PluginId,
    version: SemVer,
    sha256: Sha256,
    /** The signed zip, base64. */
    bundle: Type.String({ maxLength: Math.ceil((5 * 1024 * 1024 * 4) / 3) + 4 }),
  },
  { additionalProperties: false },
);

const BundleRemoveBody = Type.Object(
  { pluginId: PluginId, version: SemVer, sha256: Sha256 },
  { additionalProperties: false },
);

/** Approved capabilities, as in the manifest (`fs.read:/proc/mdstat`, `os.info`, …). */
const ApprovedCapabilities = Type.Array(Type.String({ maxLength: 512 }), { maxItems: 64 });

/** A device a plan entry runs against (docs/devices.md, "Targets"). */
export const PlanTarget = Type.Object(
  {
    hostId: Type.Integer({ minimum: 1 }),
    address: Type.String({ minLength: 1, maxLength: 253 }),
    name: Type.String({ minLength: 1, maxLength: 255 }),
  },
  { additionalProperties: false },
);

export const PlanEntry = Type.Object(
  {
    /** Stable key of this entry within the plan (check and plugin). */
    key: Type.String({ minLength: 1, maxLength: 200 }),
    checkId: Id,
    pluginId: PluginId,
    version: SemVer,
    sha256: Sha256,
    params: Params,
    intervals: Type.Array(Interval, { minItems: 1, maxItems: 32 }),
    /** The capabilities the administrator approved for this plugin version; the sandbox grants no others. */
    capabilities: ApprovedCapabilities,
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    /**
     * Set when the entry runs on behalf of a device this agent collects for (docs/devices.md):
     * the device's host id, address (IP or DNS name) and name. The sandbox gives the address to
     * the plugin; results carry `targetHostId`.
     */
    target: Type.Optional(PlanTarget),
  },
  { additionalProperties: false },
);

const PlanSetBody = Type.Object(
  {
    /** Increases with every plan the core publishes for this agent. */
    revision: Type.Integer({ minimum: 0 }),
    maxLatenessMs: Type.Integer({ minimum: 0, maximum: 7 * 24 * 3_600_000 }),
    entries: Type.Array(PlanEntry, { maxItems: 2000 }),
  },
  { additionalProperties: false },
);

const CheckRunBody = Type.Object(
  {
    requestId: Id,
    checkId: Type.Union([Id, Type.Null()]),
    pluginId: PluginId,
    version: SemVer,
    sha256: Sha256,
    params: Params,
    capabilities: ApprovedCapabilities,
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
  },
  { additionalProperties: false },
);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

const ConfigSetBody = Type.Object(
  {
    logLevel: Type.Optional(Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)))),
    outboxMaxResults: Type.Optional(Type.Integer({ minimum: 1_000, maximum: 100_000_000 })),
    outboxMaxAgeMs: Type.Optional(Type.Integer({ minimum: 60_000, maximum: 90 * 24 * 3_600_000 })),
    /**
     * The publisher keys whose bundles the agent accepts (replaces the previous list). Sent by
     * the core, which the agent authenticated through its pinned CA.
     */
    trustedPublishers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            keyId: Sha256,
            /** Ed25519 public key, SPKI PEM. */
            publicKeyPem: Type.String({ minLength: 40, maxLength: 1024 }),
            name: Type.Optional(Type.String({ maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 64 },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * What an agent package's version may look like: the `VERSION` file of a package names the
 * folder it is unpacked into (`versions/<version>`, agent/src/upgrade/install.ts), so no `/`.
 */
const AgentVersion = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z][0-9A-Za-z.+_-]*$' });
/** A package's platform in the packages' naming (`linux-x64`, `linux-arm64`). */
const AgentPlatform = Type.String({ minLength: 3, maxLength: 32, pattern: '^[a-z0-9]+-[a-z0-9_]+$' });

/**
 * `agent.upgrade` (docs/decisions/0009-agent-self-upgrade.md): an approved agent version for this
 * host's platform. The hash and the site key's signature travel here, over the authenticated TLS
 * connection, so the download itself (`url`, the core's plain HTTP download route) is trusted
 * for nothing: the agent checks both before it asks root to install the package.
 */
const AgentUpgradeBody = Type.Object(
  {
    /** The core's upgrade rollout this offer belongs to. */
    rolloutId: Type.Integer({ minimum: 1 }),
    version: AgentVersion,
    platform: AgentPlatform,
    sha256: Sha256,
    /** Bytes of the package; a download that ends sooner is truncated, one that goes on is refused. */
    size: Type.Integer({ minimum: 1, maximum: 1024 * 1024 * 1024 }),
    /** Fingerprint of the site key that signed (`publicKeyFingerprint`). */
    keyId: Sha256,
    /** Ed25519 signature, base64, over `agentPackageSignedText` (protocol/src/agent-package.ts). */
    signature: Type.String({ minLength: 80, maxLength: 128, pattern: '^[A-Za-z0-9+/]+={0,2}$' }),
    /** Where to download the package: http(s), absolute. */
    url: Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' }),
  },
  { additionalProperties: false },
);

// ---- agent → core (`res`) ----------------------------------------------------------------

export const Result = Type.Object(
  {
    /** Unique per result; the core stores a result id once however often it arrives. */
    id: Id,
    checkId: Type.Union([Id, Type.Null()]),
    pluginId: PluginId,
    version: SemVer,
    /** The scheduled slot this result belongs to; null for "Run now". */
    slot: Type.Union([Timestamp, Type.Null()]),
    measuredAt: Timestamp,
    durationMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
    value: Type.Union([Type.Number(), Type.Null()]),
    message: Type.Union([Message4k, Type.Null()]),
    resultType: Type.Union(RESULT_TYPES.map((t) => Type.Literal(t))),
    /** Set when the result answers a `check.run`. */
    requestId: Type.Optional(Id),
    /** The device the result is about (its plan entry's `target.hostId`); absent: the sender's own host. */
    targetHostId: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

/** Results travel in batches: one MQTT message carries up to 500 of them. */
const MAX_RESULTS_PER_MESSAGE = 500;
const ResultBody = Type.Object(
  { results: Type.Array(Result, { minItems: 1, maxItems: MAX_RESULTS_PER_MESSAGE }) },
  { additionalProperties: false },
);

const BundleStatusBody = Type.Object(
  {
    pluginId: PluginId,
    version: SemVer,
    sha256: Sha256,
    status: Type.Union([Type.Literal('installed'), Type.Literal('refused'), Type.Literal('removed')]),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

const AgentReportBody = Type.Object(
  {
    /** Slots skipped since the last report because they could only start past maxLateness. */
    missedSlots: Type.Integer({ minimum: 0 }),
    /** Results dropped from the outbox by its size or age cap since the last report. */
    outboxDropped: Type.Integer({ minimum: 0 }),
    outboxDepth: Type.Integer({ minimum: 0 }),
    lastError: Type.Union([Reason, Type.Null()]),
    /** The plugin sandbox process (docs/agent.md, "The plugin sandbox"): whether it runs, how often it started, its last start time. */
    sandbox: Type.Optional(
      Type.Object(
        {
          running: Type.Boolean(),
          starts: Type.Integer({ minimum: 0 }),
          lastStartMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/**
 * The agent's answer to `agent.upgrade`: `requested` once the package is downloaded, verified
 * and the request file written for root; `refused` (with the reason) when the download, its
 * hash or its signature failed: nothing was asked of root and the host runs what it ran.
 */
const AgentUpgradeStatusBody = Type.Object(
  {
    rolloutId: Type.Integer({ minimum: 1 }),
    version: AgentVersion,
    sha256: Sha256,
    status: Type.Union([Type.Literal('requested'), Type.Literal('refused')]),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

/** The installation's last upgrade (`upgrade-state.json` of agent/src/upgrade/upgrade.ts), as `state` online carries it. */
export const AGENT_UPGRADE_STATES = ['switched', 'upgraded', 'restart-failed', 'rolled-back', 'rollback-not-connected'] as const;
const LastUpgrade = Type.Object(
  {
    state: Type.Union(AGENT_UPGRADE_STATES.map((s) => Type.Literal(s))),
    from: Type.String({ maxLength: 64 }),
    to: Type.String({ maxLength: 64 }),
    at: Timestamp,
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

// ---- agent → core (`state`, retained) ----------------------------------------------------

const StateBody = Type.Object(
  {
    status: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    agentVersion: Type.Optional(Type.String({ maxLength: 64 })),
    platform: Type.Optional(Type.String({ maxLength: 32 })),
    arch: Type.Optional(Type.String({ maxLength: 32 })),
    hostname: Type.Optional(Type.String({ maxLength: 255 })),
    nodeVersion: Type.Optional(Type.String({ maxLength: 32 })),
    bundles: Type.Optional(Type.Array(Sha256, { maxItems: 1000 })),
    planRevision: Type.Optional(Type.Integer({ minimum: 0 })),
    /** The last self-upgrade of an installed agent (absent when it never upgraded, or runs from source). */
    upgrade: Type.Optional(LastUpgrade),
  },
  { additionalProperties: false },
);

// ---- enrolment (`prophasis/v1/enrol/{clientId}/req|resp`) --------------------------------

const EnrolRequestBody = Type.Object(
  {
    token: Type.String({ minLength: 16, maxLength: 256 }),
    hostname: Type.String({ minLength: 1, maxLength: 255 }),
    platform: Type.String({ maxLength: 32 }),
    arch: Type.String({ maxLength: 32 }),
    agentVersion: Type.String({ maxLength: 64 }),
    nodeVersion: Type.String({ maxLength: 32 }),
  },
  { additionalProperties: false },
);

const EnrolResponseBody = Type.Object(
  {
    status: Type.Union([Type.Literal('accepted'), Type.Literal('refused')]),
    /** With `accepted`: the agent's id (= MQTT client id = username) and its secret, sent once. */
    agentId: Type.Optional(Id),
    secret: Type.Optional(Type.String({ minLength: 32, maxLength: 128 })),
    hostName: Type.Optional(Type.String({ maxLength: 255 })),
    /** With `refused`: why (expired, reused, unknown token). */
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

// ---- the catalogue -----------------------------------------------------------------------

/** Every message type, its body schema and the one channel it may travel on. */
export const MESSAGE_TYPES = {
  'bundle.install': { channel: 'cmd', body: BundleInstallBody },
  'bundle.remove': { channel: 'cmd', body: BundleRemoveBody },
  'plan.set': { channel: 'cmd', body: PlanSetBody },
  'check.run': { channel: 'cmd', body: CheckRunBody },
  'config.set': { channel: 'cmd', body: ConfigSetBody },
  'agent.upgrade': { channel: 'cmd', body: AgentUpgradeBody },
  result: { channel: 'res', body: ResultBody },
  'bundle.status': { channel: 'res', body: BundleStatusBody },
  'agent.report': { channel: 'res', body: AgentReportBody },
  'agent.upgrade.status': { channel: 'res', body: AgentUpgradeStatusBody },
  state: { channel: 'state', body: StateBody },
  'enrol.request': { channel: 'enrol', body: EnrolRequestBody },
  'enrol.response': { channel: 'enrol', body: EnrolResponseBody },
} as const satisfies Record<string, { channel: MessageChannel; body: TObject }>;

/** Agent topics carry `cmd`, `res` and `state`; the enrolment topics carry `enrol`. */
export type MessageChannel = Channel | 'enrol';

export type MessageType = keyof typeof MESSAGE_TYPES;
export type BodyOf<T extends MessageType> = Static<(typeof MESSAGE_TYPES)[T]['body']>;

export interface Envelope<T extends MessageType = MessageType> {
  v: typeof PROTOCOL_VERSION;
  type: T;
  id: string;
  ts: number;
  body: BodyOf<T>;
}

/** The discriminated union of all messages: narrow on `type`. */
export type Message = { [T in MessageType]: Envelope<T> }[MessageType];
export type CmdMessage = Extract<Message, { type: 'bundle.install' | 'bundle.remove' | 'plan.set' | 'check.run' | 'config.set' | 'agent.upgrade' }>;
export type ResMessage = Extract<Message, { type: 'result' | 'bundle.status' | 'agent.report' | 'agent.upgrade.status' }>;
export type StateMessage = Envelope<'state'>;

export type PlanEntry = Static<typeof PlanEntry>;
export type PlanTarget = Static<typeof PlanTarget>;
export type Result = Static<typeof Result>;

const EnvelopeHeader = Type.Object(
  {
    v: Type.Literal(PROTOCOL_VERSION),
    type: Type.String({ maxLength: 64 }),
    id: Id,
    ts: Timestamp,
    body: Type.Object({}),
  },
  { additionalProperties: false },
);

/** JSON Schema of the full envelope of one message type. */
export function messageSchema<T extends MessageType>(type: T): TSchema {
  return Type.Object(
    { v: Type.Literal(PROTOCOL_VERSION), type: Type.Literal(type), id: Id, ts: Timestamp, body: MESSAGE_TYPES[type].body },
    { additionalProperties: false, $id: `prophasis.message.${type}` },
  );
}

const headerCheck = TypeCompiler.Compile(EnvelopeHeader);
const bodyChecks = new Map<string, TypeCheck<TObject>>(
  Object.entries(MESSAGE_TYPES).map(([type, def]) => [type, TypeCompiler.Compile(def.body as TObject)]),
);

function describeErrors(check: TypeCheck<TSchema>, value: unknown, prefix: string): string {
  const parts: string[] = [];
  for (const e of check.Errors(value)) {
    parts.push(`${prefix}${e.path || '/'}: ${e.message}`);
    if (parts.length === 3) break;
  }
  return parts.join('; ');
}

/** Validates a body; returns the reason it is invalid, or `undefined`. */
export function bodyProblem(type: MessageType, body: unknown): string | undefined {
  const check = bodyChecks.get(type);
  if (!check) return `unknown type ${JSON.stringify(type)}`;
  return check.Check(body) ? undefined : describeErrors(check, body, '/body');
}

export type DecodeResult = { ok: true; message: Message } | { ok: false; error: ProphasisError };

/**
 * Parses and validates one payload. Never throws: a bad payload yields `{ ok: false }` with a
 * stable error code and a reason the receiver logs. With `channel`, a type that does not
 * belong on that channel is refused as well.
 */
export function decodeMessage(payload: Uint8Array | string, channel?: MessageChannel): DecodeResult {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  const limit = channel === 'cmd' ? MAX_CMD_BYTES : channel ? MAX_RES_BYTES : MAX_CMD_BYTES;
  if (size > limit) return { ok: false, error: ProtocolErrors.MESSAGE_TOO_LARGE(`${size} bytes, limit ${limit}`) };
  let value: unknown;
  try {
    value = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (err) {
    return { ok: false, error: ProtocolErrors.MALFORMED_JSON((err as Error).message) };
  }
  if (!headerCheck.Check(value)) {
    return { ok: false, error: ProtocolErrors.INVALID_MESSAGE(describeErrors(headerCheck, value, '')) };
  }
  const type = value.type;
  const def = (MESSAGE_TYPES as Record<string, { channel: MessageChannel }>)[type];
  if (!Object.hasOwn(MESSAGE_TYPES, type) || !def) {
    return { ok: false, error: ProtocolErrors.UNKNOWN_MESSAGE_TYPE(JSON.stringify(type)) };
  }
  if (channel && def.channel !== channel) {
    return { ok: false, error: ProtocolErrors.WRONG_CHANNEL(`${type} belongs on ${def.channel}, not ${channel}`) };
  }
  const problem = bodyProblem(type as MessageType, value.body);
  if (problem) return { ok: false, error: ProtocolErrors.INVALID_MESSAGE(`${type}: ${problem}`) };
  return { ok: true, message: value as unknown as Message };
}

/** Builds a validated envelope; throws `PROTO_INVALID_MESSAGE` for a body that breaks its schema. */
export function createMessage<T extends MessageType>(
  type: T,
  body: BodyOf<T>,
  options: { id?: string; ts?: number } = {},
): Envelope<T> {
  const problem = bodyProblem(type, body);
  if (problem) throw ProtocolErrors.INVALID_MESSAGE(`${type}: ${problem}`);
  return { v: PROTOCOL_VERSION, type, id: options.id ?? randomUUID(), ts: options.ts ?? Date.now(), body };
}

/** Serialises a message for publishing. */
export function encodeMessage(message: Message | Envelope): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/** The channel a message type travels on. */
export function channelOf(type: MessageType): MessageChannel {
  return MESSAGE_TYPES[type].channel;
}
