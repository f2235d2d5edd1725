import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ProtocolErrors } from './errors.js';
import { PluginId, SemVer, Sha256 } from './schema-common.js';

/**
 * Capabilities a plugin may declare (docs/plugins.md, "The host object and capabilities"). The
 * agent gives a plugin a host function only for a capability its manifest declares and the
 * administrator approved.
 *
 * | capability | target | allows |
 * | --- | --- | --- |
 * | `fs.read:PATH` | absolute path, `*` allowed in the last segment | reading that file (or matching files) |
 * | `exec:PATH` | absolute path of an executable | running it with an argument list, a timeout and an output cap |
 * | `net.connect:HOST:PORT` | host (or `*`) and port (or `*`) | TCP connects |
 * | `http.request:URL` | `http(s)://host[:port]` prefix, or `*` | HTTP(S) requests |
 * | `os.info` | — | load, memory, CPUs, uptime, hostname, mounts, process names |
 * | `agent.info` | — | the agent's own version, outbox depth and last error |
 * | `icmp.echo:TARGET` | host or IP, `$target` or `*` | ICMP echo (ping) through the system's fping/ping |
 * | `snmp:TARGET[:PORT]` | host or IP (`[v6]` with a port), `$target` or `*`; port optional | SNMP v1/v2c/v3 get, getNext, getBulk, walk |
 *
 * `$target` is the address of the device the check runs against (the plan entry's target,
 * issue 18): a device plugin needs no `*`. It matches nothing when the run has no target.
 */
const CAPABILITY_KINDS = ['fs.read', 'exec', 'net.connect', 'http.request', 'os.info', 'agent.info', 'icmp.echo', 'snmp'] as const;
export type CapabilityKind = (typeof CAPABILITY_KINDS)[number];

export interface Capability {
  kind: CapabilityKind;
  /** What the capability is limited to; empty for `os.info`. */
  target: string;
}

const ABSOLUTE_PATH = /^\/(?:[^/\0]+\/)*[^/\0]*$/;

/** The target of `icmp.echo` and the host part of `snmp`: `*`, `$target`, a host name or IPv4 address, or a bracketed IPv6 address. */
const DEVICE_HOST = /^(?:\*|\$target|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9a-fA-F:.]+\])$/;
/** The name of the run's own device in `icmp.echo:$target` / `snmp:$target`. */
export const TARGET_PLACEHOLDER = '$target';

/** Parses `kind:target`; throws `PROTO_INVALID_CAPABILITY` for anything unknown or malformed. */
export function parseCapability(text: string): Capability {
  const bad = (why: string) => ProtocolErrors.INVALID_CAPABILITY(`${JSON.stringify(text)}: ${why}`);
  if (typeof text !== 'string' || text.length > 512) throw bad('must be a string of at most 512 characters');
  const colon = text.indexOf(':');
  const kind = (colon === -1 ? text : text.slice(0, colon)) as CapabilityKind;
  const target = colon === -1 ? '' : text.slice(colon + 1);
  if (!(CAPABILITY_KINDS as readonly string[]).includes(kind)) throw bad(`unknown kind, expected one of ${CAPABILITY_KINDS.join(', ')}`);
  switch (kind) {
    case 'os.info':
    case 'agent.info':
      if (target) throw bad(`${kind} takes no target`);
      break;
    case 'fs.read':
    case 'exec':
      if (!ABSOLUTE_PATH.test(target) || target.split('/').some((s) => s === '..' || s === '.')) {
        throw bad('needs an absolute path without . or .. segments');
      }
      if (kind === 'exec' && target.includes('*')) throw bad('exec needs one exact executable');
      if (kind === 'fs.read' && target.slice(0, target.lastIndexOf('/')).includes('*')) throw bad('* is allowed only in the last path segment');
      break;
    case 'net.connect': {
      const m = /^(\*|[A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\*|\d{1,5})$/.exec(target);
      if (!m || (m[2] !== '*' && Number(m[2]) > 65535)) throw bad('needs HOST:PORT (either may be *)');
      break;
    }
    case 'icmp.echo':
      if (!DEVICE_HOST.test(target)) throw bad('needs a host name, an IP address ([v6] in brackets), $target or *');
      break;
    case 'snmp': {
      const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(target);
      if (!m || !DEVICE_HOST.test(m[1] ?? '') || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
        throw bad('needs HOST or HOST:PORT (HOST a host name, an IP address, [v6], $target or *)');
      }
      break;
    }
    case 'http.request':
      if (target !== '*' && !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/.*)?$/.test(target)) throw bad('needs * or an http(s)://host[:port][/path] prefix');
      break;
  }
  return { kind, target };
}

const JsonSchemaObject = Type.Object(
  {
    type: Type.Literal('object'),
    properties: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
    required: Type.Optional(Type.Array(Type.String())),
    additionalProperties: Type.Optional(Type.Boolean()),
    title: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
  },
  { description: 'JSON Schema (draft 2020-12 subset) of the parameters a check passes to the plugin' },
);

export const ChartHints = Type.Object(
  {
    /** Unit of `value`, e.g. `%`, `ms`, `s`, `bytes`, `days`. */
    unit: Type.Optional(Type.String({ maxLength: 16 })),
    kind: Type.Optional(Type.Union([Type.Literal('line'), Type.Literal('area'), Type.Literal('bar'), Type.Literal('none')])),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    label: Type.Optional(Type.String({ maxLength: 64 })),
    /**
     * Value ranges the default classifier judges as a problem, drawn as bands behind the line:
     * `[from, to)`, an open end reaching the edge of the axis (`{ "from": 90, "severity": "major" }`).
     * The console prefers the thresholds of a check's parameters (`minorAbove`, `majorAbove`,
     * `criticalAbove`, `…Below`) when the plugin has them; these are for plugins that have not.
     */
    bands: Type.Optional(
      Type.Array(
        Type.Object(
          {
            from: Type.Optional(Type.Number()),
            to: Type.Optional(Type.Number()),
            severity: Type.Union((['critical', 'major', 'minor', 'degraded', 'unknown'] as const).map((s) => Type.Literal(s))),
          },
          { additionalProperties: false },
        ),
        { maxItems: 8 },
      ),
    ),
  },
  { additionalProperties: false },
);

const RELATIVE_PATH = /^(?!\/)(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._/-]{1,255}$/;
const RelativePath = Type.String({ minLength: 1, maxLength: 255, pattern: RELATIVE_PATH.source });

/** The plugin manifest (`manifest.json` in a bundle). */
export const Manifest = Type.Object(
  {
    manifestVersion: Type.Literal(1),
    id: PluginId,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    version: SemVer,
    description: Type.String({ maxLength: 2000 }),
    publisher: Type.String({ minLength: 1, maxLength: 100 }),
    /** Entry point (JavaScript) run in the agent's sandbox. */
    main: RelativePath,
    /** Default Lua classifier. */
    classifier: RelativePath,
    readme: Type.Optional(RelativePath),
    parameters: JsonSchemaObject,
    /** How many historical results the classifier wants (*n* in docs/classifiers.md, "The contract"). */
    history: Type.Integer({ minimum: 1, maximum: 1000 }),
    capabilities: Type.Array(Type.String({ maxLength: 512 }), { maxItems: 64 }),
    limits: Type.Optional(
      Type.Object(
        {
          memoryMiB: Type.Optional(Type.Integer({ minimum: 8, maximum: 1024 })),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    chart: ChartHints,
    platforms: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 })),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 })),
    changelog: Type.Optional(Type.String({ maxLength: 20_000 })),
    /** SHA-256 of every other file in the bundle, by relative path. */
    files: Type.Record(RelativePath, Sha256),
  },
  { additionalProperties: false, $id: 'prophasis.manifest' },
);

export type Manifest = Static<typeof Manifest>;

// Compiled on first use, not at load: the compiler generates code from strings, which the
// console's Content Security Policy forbids, and the console loads this module (ChartHints).
let compiled: TypeCheck<typeof Manifest> | undefined;
const manifestCheck = (): TypeCheck<typeof Manifest> => (compiled ??= TypeCompiler.Compile(Manifest));

/**
 * Validates a parsed manifest: schema, capabilities, and that `main`, `classifier` and
 * `readme` are among the hashed files. Throws `PROTO_INVALID_MANIFEST` with the reasons.
 */
export function validateManifest(value: unknown): Manifest {
  if (!manifestCheck().Check(value)) {
    const reasons = [...manifestCheck().Errors(value)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
    throw ProtocolErrors.INVALID_MANIFEST(reasons.join('; '));
  }
  for (const path of Object.keys(value.files)) {
    if (!RELATIVE_PATH.test(path)) throw ProtocolErrors.INVALID_MANIFEST(`/files: ${JSON.stringify(path)} is not a plain relative path`);
  }
  for (const cap of value.capabilities) {
    try {
      parseCapability(cap);
    } catch (err) {
      throw ProtocolErrors.INVALID_MANIFEST((err as Error).message);
    }
  }
  for (const [i, band] of (value.chart.bands ?? []).entries()) {
    if (band.from === undefined && band.to === undefined) throw ProtocolErrors.INVALID_MANIFEST(`/chart/bands/${i}: needs from, to or both`);
    if (band.from !== undefined && band.to !== undefined && band.from >= band.to) throw ProtocolErrors.INVALID_MANIFEST(`/chart/bands/${i}: from must be below to`);
  }
  for (const ref of [value.main, value.classifier, value.readme]) {
    if (ref !== undefined && !Object.hasOwn(value.files, ref)) {
      throw ProtocolErrors.INVALID_MANIFEST(`${ref} is referenced but not listed in files`);
    }
  }
  return value;
}
