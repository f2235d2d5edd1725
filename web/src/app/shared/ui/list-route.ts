import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import type { Route } from '@angular/router';
import { DEFAULT_PAGE_SIZE, ListPageComponent, type ListColumn, type ListRow } from './list-page.component';

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
  pageSize?: number;
}

/**
 * The page around a route's generic list: page padding like every other page, and the route's
 * `data` passed on to {@link ListPageComponent}.
 */
@Component({
  selector: 'p-list-route',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ListPageComponent],
  template: `
    <section class="p-page">
      <p-list-page
        [title]="title()"
        [resource]="resource()"
        [noun]="noun()"
        [help]="help()"
        [columns]="columns()"
        [addLink]="addLink()"
        [rowLink]="rowLink()"
        [deletable]="deletable()"
        [pageSize]="pageSize()"
      />
    </section>
  `,
})
class ListRouteComponent {
  readonly title = input.required<string>();
  readonly resource = input.required<string>();
  readonly columns = input.required<readonly ListColumn<ListRow>[]>();
  // The router sets inputs the data leaves out to undefined, hence the fallbacks below.
  readonly noun = input('item', { transform: (v: string | undefined) => v ?? 'item' });
  readonly help = input('', { transform: (v: string | undefined) => v ?? '' });
  readonly addLink = input<string | undefined>(undefined);
  readonly rowLink = input<((row: ListRow) => readonly (string | number)[]) | undefined>(undefined);
  readonly deletable = input(false, { transform: (v: boolean | undefined) => v ?? false });
  readonly pageSize = input(DEFAULT_PAGE_SIZE, { transform: (v: number | undefined) => v ?? DEFAULT_PAGE_SIZE });
}

/**
 * A section whose index is the generic list: the router binds `data` to the list's inputs
 * (`withComponentInputBinding`).
 */
export function listRoute<T extends ListRow>(data: ListPageData<T>): Route {
  return {
    path: '',
    title: `${data.title} · Prophasis`,
    component: ListRouteComponent,
    data: { ...data },
  };
}

/** Count of an array field for a list cell: `3`, or `—` for none. */
export const count = (items: readonly unknown[] | undefined): number | undefined => (items && items.length > 0 ? items.length : undefined);
