import { isIP } from 'node:net';
import { ApiErrorBody, Host, HostInput, IdParams, type DeviceCollector, type Host as HostApi } from '@prophasis/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Op, type Transaction } from 'sequelize';
import type { Database } from '../../db/index.js';
import type { Host as HostRow } from '../../db/index.js';
import type { Resource } from '../../http/index.js';
import { assertNameFree } from '../../http/index.js';
import { ApiErrors } from '../../kernel/index.js';
import { loadEffectiveCollectors } from '../devices.js';

/** A host row as the API shows it: never the secret hash. */
export function presentHost(h: HostRow, collector?: DeviceCollector | null): HostApi {
  const device = h.kind === 'device';
  return {
    id: h.id,
    name: h.name,
    description: h.description,
    agentId: h.agentId ?? null,
    enrolmentState: h.enrolmentState,
    connectedSince: h.connectedSince ?? null,
    lastSeen: h.lastSeen ?? null,
    unreachableSince: h.unreachableSince ?? null,
    agentVersion: h.agentVersion ?? null,
    platform: h.platform ?? null,
    hostname: h.agentHostname ?? null,
    tags: h.tags ?? [],
    fleetTokenId: h.fleetTokenId ?? null,
    kind: device ? 'device' : 'agent',
    ...(device
      ? { address: h.address ?? null, deviceType: (h.deviceType ?? 'other') as HostApi['deviceType'], collectorId: h.collectorId ?? null, collector: collector ?? null }
      : {}),
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
  };
}

/** One DNS label: letters, digits, hyphens inside, at most 63 characters. */
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** A device address: an IPv4 or IPv6 address, or a DNS name (RFC 1123 labels, not all digits). */
function isDeviceAddress(address: string): boolean {
  if (isIP(address) !== 0) return true;
  const name = address.endsWith('.') ? address.slice(0, -1) : address;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (!labels.every((l) => LABEL.test(l))) return false;
  // 300.1.2.3 is a malformed address, not a name.
  return !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

/**
 * Refuses a collector that cannot collect (docs/devices.md, "Collectors"), naming `field`: it must
 * exist, be an agent host (not a device) and have an enrolled agent. Sites do not exist (yet), so
 * there is no site to compare.
 */
export async function assertCollector(db: Database, collectorId: number, field: string, tx: Transaction): Promise<void> {
  const row = await db.models.Host.findByPk(collectorId, { attributes: ['id', 'name', 'kind', 'enrolmentState', 'agentId'], transaction: tx });
  if (!row) throw ApiErrors.REFERENCE_NOT_FOUND(`${field}: host ${collectorId} does not exist`, { field, missing: [collectorId] });
  if (row.kind === 'device') throw ApiErrors.BAD_REQUEST(`${field}: ${row.name} is a device; only a host with an agent can be a collector`, { field });
  if (row.enrolmentState !== 'enrolled' || !row.agentId) throw ApiErrors.BAD_REQUEST(`${field}: ${row.name} has no enrolled agent; a collector must be an enrolled agent host`, { field });
}

/** The device columns of a create or replace, validated (400 naming the field). */
async function deviceColumns(db: Database, input: HostInput, kind: 'agent' | 'device', tx: Transaction, id?: number) {
  if (kind === 'agent') {
    for (const field of ['address', 'deviceType', 'collectorId'] as const) {
      if (input[field] !== undefined && input[field] !== null) throw ApiErrors.BAD_REQUEST(`${field}: only devices (kind "device") have one`, { field });
    }
    return {};
  }
  const address = input.address?.trim() ?? '';
  if (!address) throw ApiErrors.BAD_REQUEST('address: a device needs an address (IP address or DNS name)', { field: 'address' });
  if (!isDeviceAddress(address)) throw ApiErrors.BAD_REQUEST(`address: "${address.slice(0, 80)}" is neither an IP address nor a DNS name`, { field: 'address' });
  const collectorId = input.collectorId ?? null;
  if (collectorId !== null) {
    if (collectorId === id) throw ApiErrors.BAD_REQUEST('collectorId: a device cannot collect for itself', { field: 'collectorId' });
    await assertCollector(db, collectorId, 'collectorId', tx);
  }
  return { address, deviceType: input.deviceType ?? 'other', collectorId };
}

/** Each device's collector in effect, named, with its reachability (one pass over the hosts). */
async function collectorsOf(db: Database, rows: readonly HostRow[], tx?: Transaction): Promise<Map<number, DeviceCollector>> {
  const out = new Map<number, DeviceCollector>();
  if (!rows.some((r) => r.kind === 'device')) return out;
  const effective = await loadEffectiveCollectors(db, tx);
  const ids = [...new Set(rows.filter((r) => r.kind === 'device').map((r) => effective.get(r.id)).filter((v): v is number => v !== undefined))];
  const collectors = new Map(
    (ids.length ? await db.models.Host.findAll({ where: { id: ids }, attributes: ['id', 'name', 'unreachableSince'], ...(tx ? { transaction: tx } : {}) }) : []).map((c) => [c.id, c]),
  );
  for (const r of rows) {
    const c = collectors.get(effective.get(r.id) ?? 0);
    if (r.kind !== 'device' || !c) continue;
    out.set(r.id, { id: c.id, name: c.name, unreachable: c.unreachableSince != null, via: r.collectorId === c.id ? 'device' : 'group' });
  }
  return out;
}

/**
 * Hosts. Creating one here registers it as `pending`; enrolling its agent (a token, `prophasis
 * host add`) is the enrolment subsystem's. A host created with `kind: "device"` has no agent: it
 * has an address, a type and a collector (docs/devices.md). Deleting a host cascades: its group
 * memberships, check memberships, service dependencies, alert scopes, results and states go with
 * it; devices it collected for fall back to their groups' collector.
 */
export function hostsResource(db: Database): Resource<HostApi, HostInput> {
  const { Host: HostModel } = db.models;
  return {
    path: 'hosts',
    kind: 'host',
    tag: 'hosts',
    schema: Host,
    inputSchema: HostInput,
    model: HostModel,
    searchable: ['name', 'description', 'agentHostname', 'address'],
    sortable: ['name', 'createdAt', 'updatedAt', 'lastSeen', 'enrolmentState', 'id', 'kind'],
    read: 'viewer',
    write: 'admin',
    present: async (rows, tx) => {
      const collectors = await collectorsOf(db, rows as HostRow[], tx);
      return (rows as HostRow[]).map((h) => presentHost(h, collectors.get(h.id) ?? null));
    },
    async create(input, tx) {
      await assertNameFree(HostModel, input.name, tx);
      const kind = input.kind ?? 'agent';
      const device = await deviceColumns(db, input, kind, tx);
      const row = await HostModel.create({ name: input.name, description: input.description ?? '', tags: input.tags ?? [], kind, ...device }, { transaction: tx });
      return row.id;
    },
    async update(id, input, tx) {
      await assertNameFree(HostModel, input.name, tx, id);
      const current = await HostModel.findByPk(id, { attributes: ['id', 'kind', 'address', 'deviceType', 'collectorId'], transaction: tx });
      const kind = current?.kind === 'device' ? 'device' : 'agent';
      if (input.kind !== undefined && input.kind !== kind) throw ApiErrors.BAD_REQUEST(`kind: a host's kind is fixed at creation (this one is "${kind}")`, { field: 'kind' });
      // A device field left out keeps its value (as tags do), so the plain host form can rename a device.
      const kept =
        kind === 'device' && current
          ? {
              address: input.address === undefined ? current.address : input.address,
              deviceType: (input.deviceType === undefined ? current.deviceType : input.deviceType) as HostInput['deviceType'],
              collectorId: input.collectorId === undefined ? current.collectorId : input.collectorId,
            }
          : {};
      const device = await deviceColumns(db, { ...input, ...kept }, kind, tx, id);
      await HostModel.update({ name: input.name, description: input.description ?? '', ...(input.tags ? { tags: input.tags } : {}), ...device }, { where: { id }, transaction: tx, individualHooks: true });
    },
  };
}

const errors = { 401: ApiErrorBody, 403: ApiErrorBody, 404: ApiErrorBody };

/** `GET /api/hosts/:id/devices`: the devices a collector checks now (own setting or through a group). */
export async function collectorRoutes(api: FastifyInstance, db: Database): Promise<void> {
  api.get<{ Params: IdParams }>(
    '/hosts/:id/devices',
    {
      config: { access: 'viewer' },
      schema: { tags: ['hosts'], operationId: 'listCollectorDevices', summary: 'List the devices a collector monitors', params: IdParams, response: { 200: Type.Array(Host), ...errors } },
    },
    async (request): Promise<HostApi[]> => {
      const { id } = request.params;
      if (!(await HostModel(db).count({ where: { id } }))) throw ApiErrors.NOT_FOUND(`host ${id}`);
      const effective = await loadEffectiveCollectors(db);
      const ids = [...effective].filter(([, c]) => c === id).map(([d]) => d);
      const rows = ids.length ? await HostModel(db).findAll({ where: { id: { [Op.in]: ids } }, order: [['name', 'ASC']] }) : [];
      const collectors = await collectorsOf(db, rows);
      return rows.map((h) => presentHost(h, collectors.get(h.id) ?? null));
    },
  );
}

const HostModel = (db: Database) => db.models.Host;
