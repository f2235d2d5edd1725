import type { AuditEntry, AuditQuery, PageOf } from '@prophasis/protocol';

/** One change to record: who did what to which object, with a summary free of secrets. */
interface AuditRecord {
  user: { id: number; name: string } | undefined;
  action: string;
  targetKind: string;
  targetId: string | null;
  summary: unknown;
}

/** Storage of the audit trail (the `audit_log` table; a memory one in tests). */
export interface AuditStore {
  insert(row: { at: number; userId: number | null; userName: string; action: string; targetKind: string; targetId: string | null; summary: unknown }): Promise<void>;
  list(query: AuditQuery): Promise<PageOf<AuditEntry>>;
}

export interface AuditTrail {
  record(entry: AuditRecord): Promise<void>;
  list(query: AuditQuery): Promise<PageOf<AuditEntry>>;
}

/** Keys whose values never reach the trail (nor logs): passwords, tokens, secrets. */
const SECRET_KEY = /(password|passwd|secret|token|api_?key|private_?key|cookie|authorization)(_?hash)?$/i;

/** A copy of `value` with every secret-looking key replaced by `[redacted]`. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redactSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redactSecrets(v, depth + 1);
    return out;
  }
  if (typeof value === 'string' && value.length > 500) return `${value.slice(0, 500)}…`;
  return value;
}

/** The audit trail: redacts, stamps and stores. */
export function createAuditTrail(deps: { store: AuditStore; now?: () => number }): AuditTrail {
  const now = deps.now ?? Date.now;
  return {
    async record(entry) {
      await deps.store.insert({
        at: now(),
        userId: entry.user?.id ?? null,
        userName: entry.user?.name ?? '(anonymous)',
        action: entry.action.slice(0, 64),
        targetKind: entry.targetKind.slice(0, 32),
        targetId: entry.targetId === null ? null : String(entry.targetId).slice(0, 64),
        summary: redactSecrets(entry.summary ?? null),
      });
    },
    list: (query) => deps.store.list(query),
  };
}
