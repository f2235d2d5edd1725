import { type Static, Type } from '@sinclair/typebox';
import { Nullable, ObjectId } from './common.js';

/** The REST API's shapes for devices (docs/devices.md): hosts without an agent, monitored by a collector. */

/** `agent`: runs our agent; `device`: a printer, switch, UPS … that an agent host's collector checks. */
const HOST_KINDS = ['agent', 'device'] as const;
const HostKindSchema = Type.Union(HOST_KINDS.map((k) => Type.Literal(k)));

export const DEVICE_TYPES = ['printer', 'switch', 'router', 'ups', 'nas', 'access-point', 'other'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];
const DeviceTypeSchema = Type.Union(DEVICE_TYPES.map((t) => Type.Literal(t)));

/** A device's address: an IPv4/IPv6 address or a DNS name (checked further by the core). */
const DeviceAddress = Type.String({ minLength: 1, maxLength: 253 });

/** A device's collector as lists and pages show it: "via collector X", and whether X is unreachable now. */
export const DeviceCollector = Type.Object({
  id: ObjectId,
  name: Type.String(),
  /** The collector's agent is unreachable: the device keeps its last state, not shown as down. */
  unreachable: Type.Boolean(),
  /** Where it comes from: the device's own setting or one of its groups. */
  via: Type.Union([Type.Literal('device'), Type.Literal('group')]),
});
export type DeviceCollector = Static<typeof DeviceCollector>;

/** The device fields of a host (absent or null on agent hosts). */
export const DeviceFields = {
  kind: Type.Optional(HostKindSchema),
  address: Type.Optional(Nullable(Type.String())),
  deviceType: Type.Optional(Nullable(DeviceTypeSchema)),
  /** The device's own collector setting (null: its groups' collector). */
  collectorId: Type.Optional(Nullable(ObjectId)),
  /** The collector in effect (own or inherited), null when none. */
  collector: Type.Optional(Nullable(DeviceCollector)),
};

/** The device fields a host's create/replace takes; `kind` is fixed at creation (omitted: `agent`). */
export const DeviceInputFields = {
  kind: Type.Optional(HostKindSchema),
  address: Type.Optional(Nullable(DeviceAddress)),
  deviceType: Type.Optional(Nullable(DeviceTypeSchema)),
  collectorId: Type.Optional(Nullable(ObjectId)),
};
