import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatPaginatorModule, type PageEvent } from '@angular/material/paginator';
import { RouterLink } from '@angular/router';
import { filter } from 'rxjs';
import { ApiService } from '../../core/api.service';
import { EventsService } from '../../core/events.service';
import type { PageOf, StateTransition } from '../../core/protocol';
import { PagedLoader } from '../../shared/ui/paged-loader';
import { SeverityBadgeComponent } from '../../shared/ui/severity-badge.component';

const HOUR = 3_600_000;

/** The panel's time ranges; the Problems page knows the same ids, so "All in Problems" keeps the range. */
const HISTORY_RANGES = [
  { id: 'day', label: '24 h', ms: 24 * HOUR },
  { id: 'week', label: '7 days', ms: 7 * 24 * HOUR },
  { id: 'month', label: '30 days', ms: 30 * 24 * HOUR },
] as const;
type HistoryRange = (typeof HISTORY_RANGES)[number]['id'];

type Query = Record<string, string | number | undefined>;

/** The query of `GET /api/reports/transitions` for one service's (or host's) history over a range ending `now`. */
export function historyQuery(target: { serviceId?: number; hostId?: number }, range: HistoryRange, pageIndex: number, pageSize: number, now: number): Query {
  const ms = HISTORY_RANGES.find((r) => r.id === range)!.ms;
  return { ...target, from: now - ms, limit: pageSize, offset: pageIndex * pageSize };
}

/** A live change of state of this service, or of this host (its own or a plugin's). */
function concerns(target: { serviceId?: number; hostId?: number } | undefined, data: Record<string, unknown>): boolean {
  if (!target) return false;
  return target.serviceId !== undefined ? data['serviceId'] === target.serviceId : data['hostId'] === target.hostId;
}

/**
 * The stored changes of state of one service or host (`GET /api/reports/transitions?serviceId=…`
 * or `?hostId=…`), newest first over the last 24 hours, 7 or 30 days, paged; read again when a
 * change of state arrives live. "All in Problems" opens the Problems page with the same object
 * and range, with every other filter there.
 */
@Component({
  selector: 'p-transition-history',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, MatButtonModule, MatButtonToggleModule, MatPaginatorModule, RouterLink, SeverityBadgeComponent],
  template: `
    <section class="history" aria-labelledby="history-title">
      <div class="head">
        <h2 id="history-title" class="title">History</h2>
        <mat-button-toggle-group aria-label="History range" hideSingleSelectionIndicator [value]="range()" (change)="setRange($event.value)">
          @for (r of ranges; track r.id) {
            <mat-button-toggle [value]="r.id">{{ r.label }}</mat-button-toggle>
          }
        </mat-button-toggle-group>
        <a mat-button routerLink="/problems" [queryParams]="problemsLink()">All in Problems</a>
      </div>
      @if (error(); as text) {
        <p class="p-error-banner" role="alert">{{ text }}</p>
      } @else if (!loading() && items().length === 0) {
        <p class="p-muted">No changes of state in this range.</p>
      } @else {
        <ul class="list">
          @for (t of items(); track t.id) {
            <li data-testid="history-entry">
              <span class="time">{{ t.at | date: 'yyyy-MM-dd HH:mm:ss' }}</span>
              @if (t.pluginId !== null) {
                <span class="plugin">{{ t.pluginName ?? t.pluginId }}</span>
              }
              <span class="change"><p-severity-badge [severity]="t.from" /> → <p-severity-badge [severity]="t.to" /></span>
              @if (t.late) {
                <span class="p-muted late" title="Caused by a result that arrived after the agent reconnected">late</span>
              }
            </li>
          }
        </ul>
        @if (total() > pageSize) {
          <mat-paginator [length]="total()" [pageIndex]="pageIndex()" [pageSize]="pageSize" [hidePageSize]="true" (page)="onPage($event)" aria-label="Pages of the history" />
        }
      }
    </section>
  `,
  styles: `
    .history { margin-top: 24px; }
    .head { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; margin-bottom: 8px; }
    .title { font: var(--mat-sys-title-medium); margin: 0; }
    .list { list-style: none; margin: 0; padding: 0; }
    .list li { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px; padding: 6px 0; border-bottom: 1px solid var(--mat-sys-outline-variant); }
    .time { font-variant-numeric: tabular-nums; }
    .plugin { overflow-wrap: anywhere; }
    .change { display: inline-flex; align-items: center; gap: 6px; }
    .late { font-size: 0.75rem; }
  `,
})
export class TransitionHistoryComponent {
  private readonly api = inject(ApiService);
  readonly serviceId = input<number | undefined>(undefined);
  readonly hostId = input<number | undefined>(undefined);
  protected readonly ranges = HISTORY_RANGES;
  protected readonly range = signal<HistoryRange>('week');
  protected readonly pageIndex = signal(0);
  protected readonly pageSize = 20;
  private readonly list = new PagedLoader<StateTransition, Query>((query) => this.api.get<PageOf<StateTransition>>('reports/transitions', query));
  protected readonly items = this.list.items;
  protected readonly total = this.list.total;
  protected readonly loading = this.list.loading;
  protected readonly error = this.list.error;
  private readonly target = computed(() => {
    const serviceId = this.serviceId();
    const hostId = this.hostId();
    return serviceId !== undefined ? { serviceId } : hostId !== undefined ? { hostId } : undefined;
  });
  protected readonly problemsLink = computed(() => ({ ...this.target(), range: this.range() }));
  /** Bumped by live changes of state (coalesced), so the range's end follows the clock. */
  private readonly tick = signal(0);
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    effect(() => {
      const target = this.target();
      const range = this.range();
      const pageIndex = this.pageIndex();
      this.tick();
      if (target) untracked(() => void this.list.load(historyQuery(target, range, pageIndex, this.pageSize, Date.now())));
    });
    inject(EventsService)
      .events$.pipe(
        filter((e) => e.type === 'state.changed' && concerns(this.target(), e.data)),
        takeUntilDestroyed(),
      )
      .subscribe(() => {
        if (this.timer) return;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.tick.update((n) => n + 1);
        }, 1000);
      });
    inject(DestroyRef).onDestroy(() => clearTimeout(this.timer));
  }

  protected setRange(range: HistoryRange): void {
    this.pageIndex.set(0);
    this.range.set(range);
  }

  protected onPage(event: PageEvent): void {
    this.pageIndex.set(event.pageIndex);
  }
}
