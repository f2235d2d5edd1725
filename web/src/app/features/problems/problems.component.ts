import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, effect, inject, signal, untracked } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, type PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { ApiService } from '../../core/api.service';
import { SEVERITIES, type Host, type HostGroup, type PageOf, type Service, type StateTransition } from '../../core/protocol';
import { loadAll } from '../../shared/ui/load-all';
import { ProblemActionsComponent } from '../../shared/ui/problem-actions.component';
import { SeverityBadgeComponent } from '../../shared/ui/severity-badge.component';
import { filtersFromQuery, filtersToQuery, PROBLEM_RANGES, problemRef, problemsQuery, type ProblemFilters } from './problems';
import { PagedLoader } from '../../shared/ui/paged-loader';

/** A custom range the page refused (incomplete or backwards), in place of a query. */
const isRefused = (q: Record<string, string | number | undefined> | { error: string }): q is { error: string } => typeof q['error' as keyof typeof q] === 'string';

/**
 * Problems and events (`/problems`): every state transition, newest first, filtered by time,
 * host, host group, service, the severity changed to, and whether its problem is acknowledged,
 * in maintenance or flapping now; each row carries those marks, and operators acknowledge
 * (with a comment) or silence the problem from it (docs/console.md).
 */
@Component({
  selector: 'p-problems',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, FormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, MatPaginatorModule, MatProgressBarModule, MatSelectModule, RouterLink, ProblemActionsComponent, SeverityBadgeComponent],
  templateUrl: './problems.component.html',
  styles: `
    .filters { display: flex; flex-wrap: wrap; gap: 0 0.75rem; align-items: baseline; }
    .filters mat-form-field { width: 11rem; }
    .problems { list-style: none; padding: 0; margin: 0; }
    .problems li { border-bottom: 1px solid var(--p-border, #ddd); padding: 0.5rem 0; display: grid; gap: 0.25rem; }
    .line { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
    .time { font-variant-numeric: tabular-nums; }
    .late { font-size: 0.75rem; }
    .progress { height: 4px; }
  `,
})
export class ProblemsComponent {
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  protected readonly ranges = PROBLEM_RANGES;
  protected readonly severities = SEVERITIES;
  /** From the URL at first (`/problems?hostId=3&acknowledged=false`), written back to it on each change. */
  protected readonly filters = signal<ProblemFilters>(filtersFromQuery((key) => this.route.snapshot.queryParamMap.get(key)));
  protected readonly pageIndex = signal(0);
  protected readonly pageSize = signal(50);
  private readonly list = new PagedLoader<StateTransition, Record<string, string | number | undefined>>((query) => this.api.get<PageOf<StateTransition>>('reports/transitions', query));
  protected readonly items = this.list.items;
  protected readonly total = this.list.total;
  protected readonly loading = this.list.loading;
  protected readonly error = this.list.error;
  protected readonly hosts = signal<readonly Host[]>([]);
  protected readonly groups = signal<readonly HostGroup[]>([]);
  protected readonly services = signal<readonly Service[]>([]);
  protected readonly problemRef = problemRef;
  private readonly query = computed(() => problemsQuery(this.filters(), this.pageIndex(), this.pageSize(), Date.now()));

  constructor() {
    effect(() => {
      const query = this.query();
      untracked(() => void this.load(query));
    });
    void this.loadChoices();
  }

  /** Changes one filter and goes back to the first page. */
  protected set<K extends keyof ProblemFilters>(key: K, value: ProblemFilters[K]): void {
    this.pageIndex.set(0);
    this.filters.update((f) => ({ ...f, [key]: value }));
    void this.router.navigate([], { relativeTo: this.route, queryParams: filtersToQuery(this.filters()), replaceUrl: true });
  }

  protected onPage(event: PageEvent): void {
    this.pageSize.set(event.pageSize);
    this.pageIndex.set(event.pageIndex);
  }

  protected refresh(): void {
    void this.load(problemsQuery(this.filters(), this.pageIndex(), this.pageSize(), Date.now()));
  }

  private async loadChoices(): Promise<void> {
    try {
      const [hosts, groups, services] = await Promise.all([loadAll<Host>(this.api, 'hosts'), loadAll<HostGroup>(this.api, 'groups'), loadAll<Service>(this.api, 'services')]);
      this.hosts.set(hosts);
      this.groups.set(groups);
      this.services.set(services);
    } catch {
      // The filters offer nothing to choose; the list itself still loads (and shows its own error).
    }
  }

  private load(query: Record<string, string | number | undefined> | { error: string }): Promise<void> {
    if (!isRefused(query)) return this.list.load(query);
    this.list.refuse(query.error);
    return Promise.resolve();
  }
}
