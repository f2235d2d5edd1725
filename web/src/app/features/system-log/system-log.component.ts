import { BreakpointObserver } from '@angular/cdk/layout';
import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, effect, inject, signal, untracked } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, type PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { map } from 'rxjs';
import { ApiService } from '../../core/api.service';
import { LOG_LEVEL_NAMES, type LogEntry, type PageOf } from '../../core/protocol';
import { PHONE_QUERY } from '../../shared/ui/list-page.component';
import { fromLocalInput } from '../../shared/ui/local-time';
import { PagedLoader } from '../../shared/ui/paged-loader';

export interface LogFilters {
  level: string;
  component: string;
  from: string;
  to: string;
  q: string;
}

/** The query of `GET /api/logs` for the filters and page; empty filters are left out. */
export function logQuery(filters: LogFilters, pageIndex: number, pageSize: number): Record<string, string | number | undefined> {
  const from = filters.from ? fromLocalInput(filters.from) : undefined;
  const to = filters.to ? fromLocalInput(filters.to) : undefined;
  return {
    level: filters.level || undefined,
    component: filters.component.trim() || undefined,
    from,
    to,
    q: filters.q.trim() || undefined,
    limit: pageSize,
    offset: pageIndex * pageSize,
  };
}

/**
 * The system log (`/system-log`): what the core reported, newest first, filtered by minimum
 * level, component, time range (local time) and text, one page at a time.
 */
@Component({
  selector: 'p-system-log',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, MatButtonModule, MatFormFieldModule, MatInputModule, MatPaginatorModule, MatProgressBarModule, MatSelectModule],
  templateUrl: './system-log.component.html',
  styleUrl: './system-log.component.scss',
})
export class SystemLogComponent {
  private readonly api = inject(ApiService);
  protected readonly levels = LOG_LEVEL_NAMES;
  protected readonly phone = toSignal(inject(BreakpointObserver).observe(PHONE_QUERY).pipe(map((r) => r.matches)), { initialValue: false });

  protected readonly filters = signal<LogFilters>({ level: '', component: '', from: '', to: '', q: '' });
  protected readonly pageIndex = signal(0);
  protected readonly pageSize = signal(50);
  private readonly list = new PagedLoader<LogEntry, Record<string, string | number | undefined>>((query) => this.api.get<PageOf<LogEntry>>('logs', query));
  protected readonly entries = this.list.items;
  protected readonly total = this.list.total;
  protected readonly loading = this.list.loading;
  protected readonly error = this.list.error;
  protected readonly rangeError = computed(() => {
    const f = this.filters();
    if (f.from && fromLocalInput(f.from) === undefined) return 'The start is not a valid date and time.';
    if (f.to && fromLocalInput(f.to) === undefined) return 'The end is not a valid date and time.';
    if (f.from && f.to && (fromLocalInput(f.from) ?? 0) >= (fromLocalInput(f.to) ?? 0)) return 'The start must be before the end.';
    return undefined;
  });

  private typing: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    effect(() => {
      const query = logQuery(this.filters(), this.pageIndex(), this.pageSize());
      if (this.rangeError()) return;
      untracked(() => void this.list.load(query));
    });
  }

  protected set(key: keyof LogFilters, value: string, debounce = false): void {
    clearTimeout(this.typing);
    const apply = () => {
      this.pageIndex.set(0);
      this.filters.update((f) => ({ ...f, [key]: value }));
    };
    if (debounce) this.typing = setTimeout(apply, 300);
    else apply();
  }

  protected clear(): void {
    this.pageIndex.set(0);
    this.filters.set({ level: '', component: '', from: '', to: '', q: '' });
  }

  protected onPage(event: PageEvent): void {
    this.pageSize.set(event.pageSize);
    this.pageIndex.set(event.pageIndex);
  }

  protected context(entry: LogEntry): string | undefined {
    if (entry.context === null || entry.context === undefined) return undefined;
    if (typeof entry.context === 'object' && Object.keys(entry.context).length === 0) return undefined;
    return JSON.stringify(entry.context, null, 2);
  }

  protected refresh(): void {
    void this.list.load(logQuery(this.filters(), this.pageIndex(), this.pageSize()));
  }
}
