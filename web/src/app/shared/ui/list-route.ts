import type { Route } from '@angular/router';
import { ListPageComponent, type ListColumn, type ListRow } from './list-page.component';

/** Inputs of {@link ListPageComponent} given through a route's `data`. */
export interface ListPageData<T extends ListRow> {
  title: string;
  resource: string;
  noun: string;
  help: string;
  columns: readonly ListColumn<T>[];
  addLink?: string;
  rowLink?: (row: T) => readonly (string | number)[];
  deletable?: boolean;
}

/**
 * A section whose index is the generic list: the router binds `data` to the list's inputs
 * (`withComponentInputBinding`). Sections get their own components when their forms arrive.
 */
export function listRoute<T extends ListRow>(data: ListPageData<T>): Route {
  return {
    path: '',
    title: `${data.title} · Prophasis`,
    component: ListPageComponent,
    data: { ...data },
  };
}

/** Count of an array field for a list cell: `3`, or `—` for none. */
export const count = (items: readonly unknown[] | undefined): number | undefined => (items && items.length > 0 ? items.length : undefined);
