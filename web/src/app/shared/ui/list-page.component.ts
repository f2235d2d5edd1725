import { BreakpointObserver } from '@angular/cdk/layout';
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, type PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSortModule, type Sort } from '@angular/material/sort';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { map } from 'rxjs';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { PageOf, Severity } from '../../core/protocol';
import { ConfirmService } from './confirm-dialog.component';
import { IconComponent } from './icon.component';
import { SeverityBadgeComponent } from './severity-badge.component';
import { PagedLoader } from './paged-loader';

/** Phones get cards instead of a table below this width (Material's "handset" breakpoint). */
export const PHONE_QUERY = '(max-width: 599.98px)';

/** Rows per page unless the route or the user says otherwise. */
export const DEFAULT_PAGE_SIZE = 25;

/** One column of a list: a text cell or a severity badge. */
export interface ListColumn<T> {
  /** Column id, and the API's `sort` field when `sortable`. */
  key: string;
  label: string;
  /** Text of the cell; default `row[key]`. */
  value?(row: T): string | number | boolean | null | undefined;
  /** Shows a severity badge instead of text. */
  severity?(row: T): Severity;
  sortable?: boolean;
}

export interface ListRow {
  id: number | string;
  name?: string;
}

/**
 * The list pattern of every configuration section: a search box (the API's `q`), paging
 * (`limit`/`offset`), sorting (`sort`), a table on a desk and cards on a phone, and delete
 * with confirmation. The first column links to `rowLink` (the edit page) when given.
 * Routes may use it directly with its inputs in the route's `data`.
 */
@Component({
  selector: 'p-list-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatPaginatorModule,
    MatProgressBarModule,
    MatSortModule,
    MatTableModule,
    RouterLink,
    IconComponent,
    SeverityBadgeComponent,
  ],
  templateUrl: './list-page.component.html',
  styleUrl: './list-page.component.scss',
})
export class ListPageComponent<T extends ListRow> {
  private readonly api = inject(ApiService);
  private readonly confirm = inject(ConfirmService);
  protected readonly auth = inject(AuthService);

  readonly title = input.required<string>();
  /** API collection, e.g. `hosts` for `/api/hosts`. */
  readonly resource = input.required<string>();
  readonly columns = input.required<readonly ListColumn<T>[]>();
  /** One or two sentences saying what these objects are for. */
  readonly help = input<string>('');
  /** Singular noun for buttons and the delete question, e.g. `host`. */
  readonly noun = input<string>('item');
  /** Router link of the add page; no add button when absent (or for users who cannot configure). */
  readonly addLink = input<string | readonly string[] | undefined>(undefined);
  /** Router link of one row (its edit or detail page). */
  readonly rowLink = input<((row: T) => readonly (string | number)[]) | undefined>(undefined);
  readonly deletable = input(false);
  readonly pageSize = input<number | undefined>(DEFAULT_PAGE_SIZE);

  protected readonly phone = toSignal(inject(BreakpointObserver).observe(PHONE_QUERY).pipe(map((r) => r.matches)), {
    initialValue: false,
  });

  protected readonly q = signal('');
  protected readonly pageIndex = signal(0);
  protected readonly size = signal<number | undefined>(undefined);
  protected readonly sort = signal<string | undefined>(undefined);
  private readonly list = new PagedLoader<T, { resource: string; q: string; limit: number; offset: number; sort: string | undefined }>((request) =>
    this.api.get<PageOf<T> | T[]>(request.resource, { q: request.q, limit: request.limit, offset: request.offset, sort: request.sort }),
  );
  protected readonly rows = this.list.items;
  protected readonly total = this.list.total;
  protected readonly loading = this.list.loading;
  protected readonly error = this.list.error;

  protected readonly limit = computed(() => this.size() ?? this.pageSize() ?? DEFAULT_PAGE_SIZE);
  protected readonly columnIds = computed(() => {
    const ids = this.columns().map((c) => c.key);
    return this.deletable() && this.auth.canConfigure() ? [...ids, '_actions'] : ids;
  });
  protected readonly canAdd = computed(() => this.addLink() !== undefined && this.auth.canConfigure());
  protected readonly canDelete = computed(() => this.deletable() && this.auth.canConfigure());

  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    effect(() => {
      const request = { resource: this.resource(), q: this.q(), limit: this.limit(), offset: this.pageIndex() * this.limit(), sort: this.sort() };
      untracked(() => void this.list.load(request));
    });
  }

  /** Reloads the current page (after a change made elsewhere, for example). */
  reload(): void {
    void this.list.load({ resource: this.resource(), q: this.q(), limit: this.limit(), offset: this.pageIndex() * this.limit(), sort: this.sort() });
  }

  protected cell(column: ListColumn<T>, row: T): string {
    const value = column.value ? column.value(row) : (row as unknown as Record<string, unknown>)[column.key];
    if (value === null || value === undefined || value === '') return '—';
    if (typeof value === 'boolean') return value ? 'Yes' : 'No';
    return String(value);
  }

  protected link(row: T): readonly (string | number)[] | undefined {
    return this.rowLink()?.(row);
  }

  protected onSearch(value: string): void {
    clearTimeout(this.searchTimer);
    // Wait for a pause in typing so each keystroke does not cost a request.
    this.searchTimer = setTimeout(() => {
      this.pageIndex.set(0);
      this.q.set(value.trim());
    }, 250);
  }

  protected onPage(event: PageEvent): void {
    this.size.set(event.pageSize);
    this.pageIndex.set(event.pageIndex);
  }

  protected onSort(sort: Sort): void {
    this.pageIndex.set(0);
    this.sort.set(sort.direction === '' ? undefined : (sort.direction === 'desc' ? '-' : '') + sort.active);
  }

  protected async remove(row: T): Promise<void> {
    const label = row.name ?? String(row.id);
    const ok = await this.confirm.confirm({
      title: `Delete ${this.noun()}?`,
      message: `“${label}” will be deleted. This cannot be undone.`,
      confirmLabel: 'Delete',
    });
    if (!ok) return;
    try {
      await this.api.delete(`${this.resource()}/${encodeURIComponent(String(row.id))}`);
      this.reload();
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }
}
