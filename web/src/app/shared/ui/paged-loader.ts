import { signal } from '@angular/core';
import { toApiError } from '../../core/api-error';
import type { PageOf } from '../../core/protocol';

/**
 * One page of a list from the API, as the list pages show it: the items, the total, whether it
 * is loading and the API's error. An answer to an older query than the newest one is dropped, so
 * fast filter changes never show a stale page. Small collections may answer a plain array.
 */
export class PagedLoader<T, Q> {
  readonly items = signal<readonly T[]>([]);
  readonly total = signal(0);
  readonly loading = signal(false);
  readonly error = signal<string | undefined>(undefined);
  private generation = 0;

  constructor(private readonly fetch: (query: Q) => Promise<PageOf<T> | T[]>) {}

  async load(query: Q): Promise<void> {
    const generation = ++this.generation;
    this.loading.set(true);
    try {
      const page = await this.fetch(query);
      if (generation !== this.generation) return; // an answer to an older query
      this.items.set(Array.isArray(page) ? page : page.items);
      this.total.set(Array.isArray(page) ? page.length : page.total);
      this.error.set(undefined);
    } catch (err) {
      if (generation !== this.generation) return;
      this.fail(toApiError(err).message);
    } finally {
      if (generation === this.generation) this.loading.set(false);
    }
  }

  /** Shows `message` instead of a page (a query refused before it is sent); answers still on their way are dropped. */
  refuse(message: string): void {
    this.generation++;
    this.fail(message);
    this.loading.set(false);
  }

  private fail(message: string): void {
    this.items.set([]);
    this.total.set(0);
    this.error.set(message);
  }
}
