/**
 * The parent/child graph between hosts (docs/devices.md, "Dependencies"), as plain data: each
 * host's parents (the hosts it is reached through). Pure functions, no database.
 */
export type ParentMap = ReadonlyMap<number, readonly number[]>;

/** Why a host's new parents are refused: the API turns each into a 400 naming `parentIds`. */
export type ParentsRefusal = { kind: 'self' } | { kind: 'duplicate'; id: number } | { kind: 'unknown'; id: number } | { kind: 'cycle'; path: number[] };

/**
 * Checks `parentIds` as the new parents of `hostId` against the rest of the graph: not itself,
 * no id twice, every id a host (`exists`), and no cycle (no new parent may be the host or one of
 * its descendants). Answers the first refusal, or null.
 */
export function checkParents(parents: ParentMap, hostId: number, parentIds: readonly number[], exists: (id: number) => boolean): ParentsRefusal | null {
  const seen = new Set<number>();
  for (const id of parentIds) {
    if (id === hostId) return { kind: 'self' };
    if (seen.has(id)) return { kind: 'duplicate', id };
    seen.add(id);
    if (!exists(id)) return { kind: 'unknown', id };
  }
  for (const id of parentIds) {
    // A path from the new parent up to the host through the existing edges closes a cycle.
    const path = pathUp(parents, id, hostId);
    if (path) return { kind: 'cycle', path: [hostId, ...path] };
  }
  return null;
}

/** A path of parents from `from` up to `to` (both included), or undefined. */
function pathUp(parents: ParentMap, from: number, to: number): number[] | undefined {
  const seen = new Set<number>();
  const walk = (id: number): number[] | undefined => {
    if (id === to) return [id];
    if (seen.has(id)) return undefined;
    seen.add(id);
    for (const p of parents.get(id) ?? []) {
      const rest = walk(p);
      if (rest) return [id, ...rest];
    }
    return undefined;
  };
  return walk(from);
}

/** Every ancestor of a host (parents, their parents, …), nearest first, each once. */
export function ancestors(parents: ParentMap, hostId: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>([hostId]);
  let level = [...(parents.get(hostId) ?? [])];
  while (level.length > 0) {
    const next: number[] = [];
    for (const id of level) {
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(id);
      next.push(...(parents.get(id) ?? []));
    }
    level = next;
  }
  return out;
}

/** The hosts whose parents include `hostId`. */
export function children(parents: ParentMap, hostId: number): number[] {
  return [...parents].filter(([, ps]) => ps.includes(hostId)).map(([id]) => id).sort((a, b) => a - b);
}

/**
 * Which down host each host's problems are caused by (docs/alerts.md, "Dependencies"), the
 * Nagios/Icinga rule: a host is cut off when it has parents and EVERY parent is down or itself
 * cut off (one parent still reachable is a path to it, so its problems are its own). Its cause is
 * the down ancestor at the top of its first parent's chain (parents in id order): router-1 for
 * every host behind switch-1 behind router-1 when the router is down, whether or not the switch
 * reports down too. A down host that is not cut off has no cause: its own problem notifies.
 * Hosts without a cause are absent from the answer.
 */
export function causes(parents: ParentMap, isDown: (id: number) => boolean): Map<number, number> {
  const memo = new Map<number, number | null>();
  const visiting = new Set<number>();
  const causeOf = (id: number): number | null => {
    if (memo.has(id)) return memo.get(id)!;
    // The API refuses cycles; a cycle anyway (rows written by hand) cuts nothing off.
    if (visiting.has(id)) return null;
    visiting.add(id);
    const ps = [...(parents.get(id) ?? [])].sort((a, b) => a - b);
    let cause: number | null = null;
    if (ps.length > 0) {
      const each = ps.map((p) => ({ p, down: isDown(p), cause: causeOf(p) }));
      if (each.every((e) => e.down || e.cause !== null)) {
        const first = each[0]!;
        cause = first.cause ?? first.p;
        // Only through a cycle (rows written by hand) could a host cut itself off.
        if (cause === id) cause = null;
      }
    }
    visiting.delete(id);
    memo.set(id, cause);
    return cause;
  };
  const out = new Map<number, number>();
  for (const id of parents.keys()) {
    const c = causeOf(id);
    if (c !== null) out.set(id, c);
  }
  return out;
}
