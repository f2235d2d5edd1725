import type { Member } from '../../core/protocol';

/** A redundancy group as the form edits it: always named (the API names unnamed ones `group N`). */
export interface EditableGroup {
  name: string;
  members: Member[];
}

/** `host:3` / `group:7`: one string per member, for pickers and tracking. */
export const memberKey = (m: Member): string => `${m.kind}:${m.id}`;

/** The member a key names; undefined for a malformed key. */
export function parseMemberKey(key: string): Member | undefined {
  const m = /^(host|group):(\d+)$/.exec(key);
  return m ? { kind: m[1] as Member['kind'], id: Number(m[2]) } : undefined;
}

/** `list` plus the members of `added` it does not have yet, in the order given. */
export function addMembers(list: readonly Member[], added: readonly Member[]): Member[] {
  const seen = new Set(list.map(memberKey));
  const out = [...list];
  for (const m of added) {
    if (seen.has(memberKey(m))) continue;
    seen.add(memberKey(m));
    out.push(m);
  }
  return out;
}

/** `list` without `member`. */
export function removeMember(list: readonly Member[], member: Member): Member[] {
  return list.filter((m) => memberKey(m) !== memberKey(member));
}

/** A name like the API's default (`group N`) that no group has yet. */
function freeGroupName(groups: readonly EditableGroup[]): string {
  const taken = new Set(groups.map((g) => g.name));
  let n = groups.length + 1;
  while (taken.has(`group ${n}`)) n++;
  return `group ${n}`;
}

/** `groups` with one more, empty, group at the end. */
export function addGroup(groups: readonly EditableGroup[]): EditableGroup[] {
  return [...groups, { name: freeGroupName(groups), members: [] }];
}

/** `groups` with the group at `index` replaced by `change(group)`. */
export function updateGroup(groups: readonly EditableGroup[], index: number, change: (g: EditableGroup) => EditableGroup): EditableGroup[] {
  return groups.map((g, i) => (i === index ? change(g) : g));
}

/** `groups` without the group at `index`. */
export function removeGroup(groups: readonly EditableGroup[], index: number): EditableGroup[] {
  return groups.filter((_, i) => i !== index);
}

/**
 * What keeps the structure from being saved, per redundancy group (index → message): no
 * members (the API requires one), an empty or too long name, a name used twice.
 */
export function groupProblems(groups: readonly EditableGroup[], maxNameLength = 128): Map<number, string> {
  const problems = new Map<number, string>();
  groups.forEach((g, i) => {
    const name = g.name.trim();
    if (!name) problems.set(i, 'Give the group a name.');
    else if (name.length > maxNameLength) problems.set(i, `At most ${maxNameLength} characters.`);
    else if (groups.findIndex((o) => o.name.trim() === name) !== i) problems.set(i, `Another group is already called “${name}”.`);
    else if (g.members.length === 0) problems.set(i, 'Add at least one member, or remove the group.');
  });
  return problems;
}
