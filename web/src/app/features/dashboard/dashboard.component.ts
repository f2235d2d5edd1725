import { BreakpointObserver } from '@angular/cdk/layout';
import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { Router, RouterLink } from '@angular/router';
import { map } from 'rxjs';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { EventsService } from '../../core/events.service';
import type { ApiEvent, CurrentProblem, CurrentProblems, HostHealth, PageOf, Plugin, ProblemsOverTime, ServiceHealth, StateTransition, TopHost } from '../../core/protocol';
import { loadAll } from '../../shared/ui/load-all';
import { ProblemMarksComponent } from '../../shared/ui/problem-marks.component';
import { SeverityBadgeComponent, SeverityCountsComponent } from '../../shared/ui/severity-badge.component';
import { countBySeverity, sortWorstFirst } from '../../shared/ui/severity';
import { AgentsOfflineComponent } from './agents-offline.component';
import { BusiestHostsComponent } from './busiest-hosts.component';
import { BUSIEST_PLUGINS, overTimeChoice, overTimeQuery, overTimeRequest, type OverTimeChoice } from './dashboard';
import { ProblemsNowComponent } from './problems-now.component';
import { ProblemsOverTimeComponent } from './problems-over-time.component';
import { mergeTransitions, storedTransition, toTransition, type Transition, type TransitionNames } from './transitions';
import { CountPipe } from '../../shared/ui/plural';

/** How many transitions the dashboard keeps in view. */
const MAX_TRANSITIONS = 20;
/** How many problems "Problems now" lists (the rest are on the Problems page). */
const MAX_PROBLEMS = 12;
/** Hosts per column of "Busiest hosts". */
const BUSIEST = 5;
/** Changes of state reload within a second; a stream of results (which only moves "last seen") every 15 s at most. */
const STATE_RELOAD_MS = 1000;
const RESULT_RELOAD_MS = 15_000;

/**
 * The first page after sign-in: the problems now (worst first, with their marks), problems per
 * severity over a chosen range (drag to zoom), hosts and services per severity, the busiest hosts
 * by CPU, memory and disk, agents offline, and the latest transitions: the stored ones
 * (`GET /api/reports/transitions`, re-read with every reload) merged with those of the live event
 * stream. Every event also reloads (coalesced), so the page is live without reloading. The range
 * of "Problems over time" lives in the URL (`?range=week`, `?range=custom&from=…&to=…`).
 */
@Component({
  selector: 'p-dashboard',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    AgentsOfflineComponent,
    BusiestHostsComponent,
    CountPipe,
    DatePipe,
    MatButtonModule,
    MatCardModule,
    ProblemMarksComponent,
    ProblemsNowComponent,
    ProblemsOverTimeComponent,
    RouterLink,
    SeverityBadgeComponent,
    SeverityCountsComponent,
  ],
  templateUrl: './dashboard.component.html',
  styleUrls: ['./panel.scss', './dashboard.component.scss'],
})
export class DashboardComponent {
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);
  protected readonly events = inject(EventsService);

  /** Query parameters: the range of "Problems over time". */
  readonly range = input<string>();
  readonly from = input<string>();
  readonly to = input<string>();
  protected readonly choice = computed<OverTimeChoice>(() => overTimeChoice(this.range(), this.from(), this.to()));
  /** The range before the first zoom, for **Reset zoom**; undefined when not zoomed. */
  protected readonly beforeZoom = signal<OverTimeChoice | undefined>(undefined);

  protected readonly problems = signal<readonly CurrentProblem[]>([]);
  protected readonly problemTotal = signal(0);
  protected readonly overTime = signal<ProblemsOverTime | undefined>(undefined);
  protected readonly overTimeError = signal<string | undefined>(undefined);
  /** Per plugin of "Busiest hosts": the top hosts, with the unit and axis maximum of its chart hints. */
  protected readonly busiest = signal<readonly { pluginId: string; title: string; hosts: readonly TopHost[] }[]>(BUSIEST_PLUGINS.map((p) => ({ ...p, hosts: [] })));
  private readonly pluginsById = signal<ReadonlyMap<string, Plugin>>(new Map());
  protected readonly chartHeight = toSignal(inject(BreakpointObserver).observe('(max-width: 599.98px)').pipe(map((r) => (r.matches ? 180 : 220))), { initialValue: 220 });

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
  /** Unit and maximum of a plugin's chart hints (`%` and 100 for the first-party ones). */
  protected hintsOf(pluginId: string): { unit: string; max: number | undefined } {
    const chart = this.pluginsById().get(pluginId)?.chart;
    return { unit: chart?.unit ?? '%', max: chart?.max ?? (chart ? undefined : 100) };
  }

  protected readonly worstServices = computed(() =>
    sortWorstFirst(this.services(), (s) => s.severity, (a, b) => a.name.localeCompare(b.name))
      .filter((s) => s.severity !== 'ok')
      .slice(0, 6),
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
  private overTimeSeq = 0;

  constructor() {
    void this.refresh();
    void this.loadPluginNames();
    // A new range (or a zoom) reloads the chart at once; the rest follows the live reloads.
    effect(() => {
      const choice = this.choice();
      untracked(() => void this.loadOverTime(choice));
    });
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

  /** A preset or a zoom from "Problems over time": kept in the URL. */
  protected chooseRange(choice: OverTimeChoice): void {
    if (choice.preset === 'custom') {
      if (!this.beforeZoom()) this.beforeZoom.set(this.choice());
    } else {
      this.beforeZoom.set(undefined);
    }
    this.navigate(choice);
  }

  protected resetZoom(): void {
    const before = this.beforeZoom() ?? { preset: 'day' };
    this.beforeZoom.set(undefined);
    this.navigate(before);
  }

  private navigate(choice: OverTimeChoice): void {
    void this.router.navigate([], { queryParams: overTimeQuery(choice), queryParamsHandling: 'merge', replaceUrl: true });
  }

  protected async refresh(): Promise<void> {
    void this.loadProblems();
    void this.loadBusiest();
    if (this.loaded()) void this.loadOverTime(this.choice());
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

  /** The problems now, worst first; a failure keeps the last list (the banner shows the hosts' error, if any). */
  private async loadProblems(): Promise<void> {
    try {
      const page = await this.api.get<CurrentProblems>('reports/problems', { limit: MAX_PROBLEMS });
      this.problems.set(page.items);
      this.problemTotal.set(page.total);
    } catch {
      // An older core without the route: the panel says so through its empty state.
    }
  }

  /** Problems per severity for the chosen range; a slow answer for an older range is dropped. */
  private async loadOverTime(choice: OverTimeChoice): Promise<void> {
    const seq = ++this.overTimeSeq;
    try {
      const data = await this.api.get<ProblemsOverTime>('reports/problems-over-time', overTimeRequest(choice, Date.now()));
      if (seq !== this.overTimeSeq) return;
      this.overTime.set(data);
      this.overTimeError.set(undefined);
    } catch (err) {
      if (seq === this.overTimeSeq) this.overTimeError.set(toApiError(err).message);
    }
  }

  /** The top hosts of CPU, memory and disk; a plugin that is not installed has none. */
  private async loadBusiest(): Promise<void> {
    const lists = await Promise.all(
      BUSIEST_PLUGINS.map((p) => this.api.get<TopHost[]>('reports/top-hosts', { pluginId: p.pluginId, limit: BUSIEST }).catch(() => [] as TopHost[])),
    );
    this.busiest.set(BUSIEST_PLUGINS.map((p, i) => ({ ...p, hosts: lists[i] ?? [] })));
  }

  /** Plugin names for transitions (events carry the plugin's row id) and chart hints; ids are shown without them. */
  private async loadPluginNames(): Promise<void> {
    try {
      const plugins = await loadAll<Plugin>(this.api, 'plugins');
      this.pluginNames.set(new Map(plugins.map((p) => [p.id, p.name])));
      this.pluginsById.set(new Map(plugins.map((p) => [p.pluginId, p])));
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
