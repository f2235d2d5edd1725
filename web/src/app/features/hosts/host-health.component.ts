import { BreakpointObserver } from '@angular/cdk/layout';
import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { filter, map } from 'rxjs';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import { EventsService } from '../../core/events.service';
import type { HostHealth, PageOf } from '../../core/protocol';
import { IconComponent } from '../../shared/ui/icon.component';
import { ProblemMarksComponent } from '../../shared/ui/problem-marks.component';
import { SeverityBadgeComponent, SeverityCountsComponent } from '../../shared/ui/severity-badge.component';
import { countBySeverity } from '../../shared/ui/severity';
import { filterHostHealth, healthAgentStatus, healthItems, isUnreachable, sortHostHealth } from './host-health';
import { presenceSinceLabel, presenceTone } from './host-status';

/** Rows rendered before "Show more": a site with thousands of hosts stays responsive. */
const PAGE = 200;

/**
 * Host health (`/hosts`): every host, worst first, with its severity as colour and word and
 * its agent's reachability; a search box and a "needs attention" filter. Each host links to
 * its report; administrators also reach the host's settings and can add hosts. Live.
 */
@Component({
  selector: 'p-host-health',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DatePipe,
    MatButtonModule,
    MatButtonToggleModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    RouterLink,
    IconComponent,
    SeverityBadgeComponent,
    SeverityCountsComponent,
    ProblemMarksComponent,
  ],
  templateUrl: './host-health.component.html',
  styleUrl: './host-health.component.scss',
})
export class HostHealthComponent {
  private readonly api = inject(ApiService);
  private readonly events = inject(EventsService);
  protected readonly auth = inject(AuthService);

  protected readonly hosts = signal<readonly HostHealth[]>([]);
  protected readonly loaded = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly q = signal('');
  protected readonly problemsOnly = signal(false);
  protected readonly limit = signal(PAGE);
  protected readonly phone = toSignal(inject(BreakpointObserver).observe('(max-width: 599.98px)').pipe(map((r) => r.matches)), { initialValue: false });

  protected readonly sorted = computed(() => sortHostHealth(this.hosts()));
  protected readonly matching = computed(() => filterHostHealth(this.sorted(), this.q(), this.problemsOnly()));
  protected readonly rows = computed(() => this.matching().slice(0, this.limit()));
  protected readonly counts = computed(() => countBySeverity(this.hosts().map((h) => h.severity)));
  protected readonly unreachableCount = computed(() => this.hosts().filter(isUnreachable).length);
  protected readonly agent = healthAgentStatus;
  protected readonly sinceLabel = presenceSinceLabel;
  protected readonly tone = presenceTone;

  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    void this.refresh();
    this.events.events$
      .pipe(
        filter((e) => e.type === 'state.changed' || e.type === 'host.presence' || e.type === 'config.changed'),
        takeUntilDestroyed(),
      )
      .subscribe(() => this.scheduleRefresh());
    inject(DestroyRef).onDestroy(() => clearTimeout(this.refreshTimer));
  }

  protected search(text: string): void {
    this.q.set(text);
    this.limit.set(PAGE);
  }

  protected async refresh(): Promise<void> {
    try {
      this.hosts.set(healthItems(await this.api.get<HostHealth[] | PageOf<HostHealth>>('reports/hosts')));
      this.error.set(undefined);
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loaded.set(true);
    }
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, 1000);
  }
}
