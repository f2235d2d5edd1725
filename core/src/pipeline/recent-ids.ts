/**
 * A bounded set of recently stored result ids; the oldest insertion is forgotten first. A Map
 * keeps insertion order, so eviction is O(1) without a linked list of our own.
 */
export interface RecentIds {
  has(id: string): boolean;
  /** Remembers an id stored at `at` (epoch ms). */
  add(id: string, at: number): void;
  /**
   * The newest storage time among forgotten ids (0 when none was forgotten): every id stored
   * after it is still remembered.
   */
  floor(): number;
  readonly size: number;
}

export function createRecentIds(capacity: number): RecentIds {
  const ids = new Map<string, number>();
  let floor = 0;
  return {
    has: (id) => ids.has(id),
    add(id, at) {
      if (ids.has(id)) return;
      ids.set(id, at);
      if (ids.size > capacity) {
        const oldest = ids.entries().next();
        if (!oldest.done) {
          ids.delete(oldest.value[0]);
          floor = Math.max(floor, oldest.value[1]);
        }
      }
    },
    floor: () => floor,
    get size() {
      return ids.size;
    },
  };
}
