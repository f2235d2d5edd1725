import type { Transaction } from 'sequelize';
import type { Database } from '../db/database.js';
import { ApiErrors, type SecretBox } from '../kernel/index.js';

/** What the API shows instead of a secret parameter's value (docs/devices.md, "Credentials"). */
const SECRET_SET = Object.freeze({ set: true });

/**
 * The parameters a plugin's schema marks secret: a property with `format: "secret"` (or the
 * JSON Schema annotation `writeOnly: true`) in the `parameters` of any of its versions' manifests.
 */
function secretNamesOf(manifests: readonly unknown[]): Set<string> {
  const out = new Set<string>();
  for (const m of manifests) {
    const properties = (m as { parameters?: { properties?: unknown } } | null)?.parameters?.properties;
    if (!properties || typeof properties !== 'object') continue;
    for (const [name, schema] of Object.entries(properties as Record<string, unknown>)) {
      const s = schema as { format?: unknown; writeOnly?: unknown } | null;
      if (s && (s.format === 'secret' || s.writeOnly === true)) out.add(name);
    }
  }
  return out;
}

/** Secret parameter names per plugin row, from every stored version's manifest. */
export async function loadSecretNames(db: Database, pluginRowIds: readonly number[], tx?: Transaction): Promise<Map<number, Set<string>>> {
  const out = new Map<number, Set<string>>();
  if (pluginRowIds.length === 0) return out;
  const rows = await db.models.PluginVersion.findAll({ where: { pluginId: [...pluginRowIds] }, attributes: ['pluginId', 'manifest'], ...(tx ? { transaction: tx } : {}) });
  const byPlugin = new Map<number, unknown[]>();
  for (const r of rows) byPlugin.set(r.pluginId, [...(byPlugin.get(r.pluginId) ?? []), r.manifest]);
  for (const id of pluginRowIds) out.set(id, secretNamesOf(byPlugin.get(id) ?? []));
  return out;
}

/**
 * Splits one check plugin's parameters from the API into the plain ones (`params`) and the sealed
 * secrets (`secrets`), keeping a stored secret the request leaves out or sends back as
 * `{ "set": true }`; `null` or `""` removes it. A secret that is not a string is refused naming
 * its field. Secrets never reach `params`, the audit trail or the logs.
 */
export function splitSecrets(input: {
  params: Record<string, unknown>;
  names: ReadonlySet<string>;
  stored: string | null;
  box: Pick<SecretBox, 'seal' | 'open'> | undefined;
  field: string;
}): { params: Record<string, unknown>; secrets: string | null } {
  const { names, box, field } = input;
  const params: Record<string, unknown> = {};
  const given = new Map<string, unknown>();
  for (const [k, v] of Object.entries(input.params)) {
    if (names.has(k)) given.set(k, v);
    else params[k] = v;
  }
  if (names.size === 0) return { params, secrets: null };
  let kept: Record<string, string> = {};
  if (input.stored && box) {
    try {
      kept = JSON.parse(box.open(input.stored)) as Record<string, string>;
    } catch {
      kept = {};
    }
  }
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = given.get(name);
    if (v === undefined || (v !== null && typeof v === 'object' && (v as { set?: unknown }).set === true)) {
      if (typeof kept[name] === 'string') out[name] = kept[name];
      continue;
    }
    if (v === null || v === '') continue;
    if (typeof v !== 'string') throw ApiErrors.BAD_REQUEST(`${field}.${name}: a secret parameter is a string`, { field: `${field}.${name}` });
    if (v.length > 4096) throw ApiErrors.BAD_REQUEST(`${field}.${name}: at most 4096 characters`, { field: `${field}.${name}` });
    out[name] = v;
  }
  if (Object.keys(out).length === 0) return { params, secrets: null };
  if (!box) throw ApiErrors.UNAVAILABLE(`${field}: this core has no secret store; secret parameters cannot be saved`, { field });
  return { params, secrets: box.seal(JSON.stringify(out)) };
}

/** The parameters as the API shows them: each stored secret as `{ "set": true }`, never its value. */
export function presentSecrets(params: Record<string, unknown>, stored: string | null, box: Pick<SecretBox, 'open'> | undefined): Record<string, unknown> {
  if (!stored) return params;
  let names: string[] = [];
  try {
    names = box ? Object.keys(JSON.parse(box.open(stored)) as object) : [];
  } catch {
    names = [];
  }
  return { ...params, ...Object.fromEntries(names.map((n) => [n, { ...SECRET_SET }])) };
}
