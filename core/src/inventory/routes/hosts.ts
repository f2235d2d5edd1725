import { Host, HostInput, type Host as HostApi } from '@prophasis/protocol';
import type { Database } from '../../db/index.js';
import type { Host as HostRow } from '../../db/index.js';
import type { Resource } from '../../http/index.js';
import { assertNameFree } from '../../http/index.js';
/** A host row as the API shows it: never the secret hash. */
export function presentHost(h: HostRow): HostApi {
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
    createdAt: h.createdAt,
    updatedAt: h.updatedAt,
  };
}

/**
 * Hosts. Creating one here registers it as `pending`; enrolling its agent (a token, `prophasis
 * host add`) is the enrolment subsystem's. Deleting a host cascades: its group memberships,
 * check memberships, service dependencies, alert scopes, results and states go with it.
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
    searchable: ['name', 'description', 'agentHostname'],
    sortable: ['name', 'createdAt', 'updatedAt', 'lastSeen', 'enrolmentState', 'id'],
    read: 'viewer',
    write: 'admin',
    present: async (rows) => (rows as HostRow[]).map(presentHost),
    async create(input, tx) {
      await assertNameFree(HostModel, input.name, tx);
      const row = await HostModel.create({ name: input.name, description: input.description ?? '', tags: input.tags ?? [] }, { transaction: tx });
      return row.id;
    },
    async update(id, input, tx) {
      await assertNameFree(HostModel, input.name, tx, id);
      await HostModel.update({ name: input.name, description: input.description ?? '', ...(input.tags ? { tags: input.tags } : {}) }, { where: { id }, transaction: tx, individualHooks: true });
    },
  };
}
