import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { EventsService } from '../../core/events.service';
import type { ApiEvent, HostHealth, PageOf, Plugin, ServiceHealth, StateTransition } from '../../core/protocol';
import { loadAll } from '../../shared/ui/load-all';
import { ProblemMarksComponent } from '../../shared/ui/problem-marks.component';
import { SeverityBadgeComponent, SeverityCountsComponent } from '../../shared/ui/severity-badge.component';
import { countBySeverity, sortWorstFirst } from '../../shared/ui/severity';
import { mergeTransitions, storedTransition, toTransition, type Transition, type TransitionNames } from './transitions';
import { CountPipe } from '../../shared/ui/plural';

/** How many transitions the dashboard keeps in view. */
const MAX_TRANSITIONS = 20;
/** Changes of state reload within a second; a stream of results (which only moves "last seen") every 15 s at most. */
const STATE_RELOAD_MS = 1000;
const RESULT_RELOAD_MS = 15_000;

/**
 * The first page after sign-in: hosts and services per severity, agents that cannot be
 * reached, the hosts needing attention and the latest transitions: the stored ones
 * (`GET /api/reports/transitions`, re-read with every reload) merged with those of the live event
 * stream; every event also reloads (coalesced), so the page is live without reloading.
 */
@Component({
  selector: 'p-dashboard',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [CountPipe, DatePipe, MatButtonModule, MatCardModule, RouterLink, SeverityBadgeComponent, SeverityCountsComponent, ProblemMarksComponent],
  templateUrl: './dashboard.component.html',
  styleUrl: './dashboard.component.scss',
})
export class DashboardComponent {
  private readonly api = inject(ApiService);
  protected readonly events = inject(EventsService);

  protected readonly hosts = signal<readonly HostHealth[]>([]);
  protected readonly services = signal<readonly ServiceHealth[]>([]);
  protected readonly loaded = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  /** Events as received; names are resolved when shown, so a name loaded later still applies. */
  private readonly received = signal<readonly { event: ApiEvent; index: number }[]>([]);
  /** The newest stored transitions, read with every reload. */
  private readonly stored = signal<readonly StateTransition[]>([]);
  protected readonly transitions = computed(() =>
    // Newest first by when it happened: a late result can report an older change after a newer one.
    mergeTransitions(
      this.stored().map(storedTransition),
      this.received()
        .map(({ event, index }) => toTransition(event, index, this.names))
        .filter((t): t is Transition => t !== undefined),
      MAX_TRANSITIONS,
    ),
  );

  protected readonly counts = computed(() =>
    // Hosts never reach `critical` (services only), so its always-zero badge is left out.
    countBySeverity(this.hosts().map((h) => h.severity)).filter((c) => c.severity !== 'critical' || c.count > 0),
  );
  protected readonly serviceCounts = computed(() => countBySeverity(this.services().map((s) => s.severity)));
  protected readonly worstServices = computed(() =>
    sortWorstFirst(this.services(), (s) => s.severity, (a, b) => a.name.localeCompare(b.name))
      .filter((s) => s.severity !== 'ok')
      .slice(0, 6),
  );
  protected readonly worst = computed(() =>
    sortWorstFirst(this.hosts(), (h) => h.severity, (a, b) => a.name.localeCompare(b.name))
      .filter((h) => h.severity !== 'ok')
      .slice(0, 10),
  );
  /** Agents away for longer than the grace period (their hosts count as Major), longest first. */
  protected readonly unreachable = computed(() =>
    this.hosts()
      .filter((h) => h.presence.state === 'unreachable')
      .sort((a, b) => (a.presence.since ?? 0) - (b.presence.since ?? 0) || a.name.localeCompare(b.name)),
  );
  /** Agents that went away within the grace period: not a problem yet. */
  protected readonly disconnected = computed(() => this.hosts().filter((h) => h.presence.state === 'disconnected' && h.presence.since !== null).length);

  private readonly names: TransitionNames = {
    host: (id) => this.hosts().find((h) => String(h.id) === String(id))?.name,
    plugin: (id) => (typeof id === 'number' ? this.pluginNames().get(id) : undefined),
    service: (id) => this.services().find((s) => String(s.id) === String(id))?.name,
  };
  private readonly pluginNames = signal<ReadonlyMap<number, string>>(new Map());
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshDue = Infinity;
  private eventCount = 0;

  constructor() {
    void this.refresh();
    void this.loadPluginNames();
    this.events.events$
      .pipe(takeUntilDestroyed())
      .subscribe((event) => {
        if (event.type === 'state.changed' || event.type === 'host.presence') {
          const entry = { event, index: this.eventCount++ };
          this.received.update((list) => [entry, ...list].slice(0, MAX_TRANSITIONS));
        }
        this.scheduleRefresh(event.type === 'result.stored' ? RESULT_RELOAD_MS : STATE_RELOAD_MS);
      });
    inject(DestroyRef).onDestroy(() => clearTimeout(this.refreshTimer));
  }

  protected async refresh(): Promise<void> {
    try {
      const [hosts, services, stored] = await Promise.all([
        this.api.get<PageOf<HostHealth> | HostHealth[]>('reports/hosts'),
        this.api.get<ServiceHealth[]>('reports/services').catch(() => this.services()),
        // Not fatal: the list then holds what arrived live.
        this.api.get<PageOf<StateTransition>>('reports/transitions', { limit: MAX_TRANSITIONS }).then((p) => p.items, () => this.stored()),
      ]);
      this.hosts.set(Array.isArray(hosts) ? hosts : hosts.items);
      this.services.set(Array.isArray(services) ? services : []);
      this.stored.set(stored);
      this.error.set(undefined);
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loaded.set(true);
    }
  }

  /** Plugin names for transitions (events carry the plugin's row id); ids are shown without them. */
  private async loadPluginNames(): Promise<void> {
    try {
      this.pluginNames.set(new Map((await loadAll<Plugin>(this.api, 'plugins')).map((p) => [p.id, p.name])));
    } catch {
      // Not fatal: transitions then name the plugin by its id.
    }
  }

  /** Coalesces a burst of events (a whole site coming back) into one reload; the earliest due reload wins. */
  private scheduleRefresh(delayMs: number): void {
    const due = Date.now() + delayMs;
    if (this.refreshTimer && due >= this.refreshDue) return;
    clearTimeout(this.refreshTimer);
    this.refreshDue = due;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshDue = Infinity;
      void this.refresh();
    }, delayMs);
  }
}
