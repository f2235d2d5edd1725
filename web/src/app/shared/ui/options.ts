/** One choice of a checkbox list or picker: an id, what people read, and an optional second line. */
export interface Option<K extends string | number = string | number> {
  id: K;
  label: string;
  /** Smaller text after the label, e.g. a description or the kind (`Host`, `Group`). */
  hint?: string;
}

/** Options for named objects (hosts, groups, checks), each with its description, if any, as the hint. */
export function describedOptions<K extends string | number>(items: readonly { id: K; name: string; description?: string }[]): Option<K>[] {
  return items.map((item) => ({ id: item.id, label: item.name, hint: item.description || undefined }));
}

/** Options whose label or hint contains `query` (case-insensitive); all of them for an empty query. */
export function filterOptions<O extends Option>(options: readonly O[], query: string): O[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...options];
  return options.filter((o) => o.label.toLowerCase().includes(q) || (o.hint?.toLowerCase().includes(q) ?? false));
}

/** `ids` in the order `options` lists them, unknown ids last in their own order. */
export function inOptionOrder<K extends string | number>(options: readonly Option<K>[], ids: readonly K[]): K[] {
  const chosen = new Set(ids);
  const known = options.filter((o) => chosen.has(o.id)).map((o) => o.id);
  const knownSet = new Set(known);
  return [...known, ...ids.filter((id) => !knownSet.has(id))];
}
