import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { RouterLink } from '@angular/router';
import { filter } from 'rxjs';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { EventsService } from '../../core/events.service';
import type { HostHealth, PageOf } from '../../core/protocol';
import { SeverityBadgeComponent, SeverityCountsComponent } from '../../shared/ui/severity-badge.component';
import { countBySeverity, sortWorstFirst } from '../../shared/ui/severity';
import { toTransition, type Transition } from './transitions';

/** How many transitions the dashboard keeps in view. */
const MAX_TRANSITIONS = 20;

/**
 * The first page after sign-in: counts per severity, agents that cannot be reached, the worst
 * hosts and the latest transitions. It refreshes itself from the live event stream.
 */
@Component({
  selector: 'p-dashboard',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, MatButtonModule, MatCardModule, RouterLink, SeverityBadgeComponent, SeverityCountsComponent],
  templateUrl: './dashboard.component.html',
  styleUrl: './dashboard.component.scss',
})
export class DashboardComponent {
  private readonly api = inject(ApiService);
  protected readonly events = inject(EventsService);

  protected readonly hosts = signal<readonly HostHealth[]>([]);
  protected readonly loaded = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly transitions = signal<readonly Transition[]>([]);

  protected readonly counts = computed(() =>
    // Hosts never reach `critical` (services only), so its always-zero badge is left out.
    countBySeverity(this.hosts().map((h) => h.severity)).filter((c) => c.severity !== 'critical' || c.count > 0),
  );
  protected readonly worst = computed(() =>
    sortWorstFirst(this.hosts(), (h) => h.severity, (a, b) => a.name.localeCompare(b.name))
      .filter((h) => h.severity !== 'ok')
      .slice(0, 10),
  );
  protected readonly unreachable = computed(() => this.hosts().filter((h) => h.enrolmentState === 'enrolled' && !h.online));

  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private eventCount = 0;

  constructor() {
    void this.refresh();
    this.events.events$
      .pipe(
        filter((e) => e.type === 'state.changed' || e.type === 'host.presence' || e.type === 'config.changed'),
        takeUntilDestroyed(),
      )
      .subscribe((event) => {
        const transition = toTransition(event, this.eventCount++);
        if (transition) this.transitions.update((list) => [transition, ...list].slice(0, MAX_TRANSITIONS));
        this.scheduleRefresh();
      });
    inject(DestroyRef).onDestroy(() => clearTimeout(this.refreshTimer));
  }

  protected async refresh(): Promise<void> {
    try {
      const report = await this.api.get<PageOf<HostHealth> | HostHealth[]>('reports/hosts');
      this.hosts.set(Array.isArray(report) ? report : report.items);
      this.error.set(undefined);
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loaded.set(true);
    }
  }

  /** Coalesces a burst of events (a whole site coming back) into one reload per second. */
  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, 1000);
  }
}
