import { BreakpointObserver } from '@angular/cdk/layout';
import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, signal, untracked } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { filter, map } from 'rxjs';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import { EventsService } from '../../core/events.service';
import { MAX_SPARKLINE_HOSTS, SEVERITIES, type Host, type HostGroup, type HostHealth, type PageOf, type SparklinesResponse } from '../../core/protocol';
import { IconComponent } from '../../shared/ui/icon.component';
import { loadAll } from '../../shared/ui/load-all';
import { isMissingRoute } from '../../shared/ui/missing-route';
import { ProblemMarksComponent } from '../../shared/ui/problem-marks.component';
import { SeverityBadgeComponent, SeverityCountsComponent } from '../../shared/ui/severity-badge.component';
import { countBySeverity, SEVERITY_LABELS } from '../../shared/ui/severity';
import { healthAgentStatus, healthItems, isUnreachable } from './host-health';
import {
  allTags,
  filterAndSortHosts,
  hostFiltersFromQuery,
  hostFiltersToQuery,
  hostGroupFacts,
  sparklineColumns,
  sparklinesByHost,
  type HostFacts,
  type HostListFilters,
  type Sparkline,
} from './host-list';
import { presenceSinceLabel, presenceTone } from './host-status';
import { SparklineComponent } from './sparkline.component';
import { deviceAgentLabel } from '../devices/devices';

/** Rows rendered before "Show more": a site with thousands of hosts stays responsive (and one sparkline request covers them). */
const PAGE = 200;
/** Sparklines are read again on a live reload at most this often, ms. */
const SPARK_REFRESH_MS = 60_000;

/**
 * Host health (`/hosts`): every host with its severity as colour and word, its groups and tags,
 * sparklines of its CPU, memory and disk over the last hour, day or week (one request per page of
 * hosts, `GET /api/reports/sparklines`), and its agent's reachability. Sorted by severity (worst
 * first), name or group; filtered by text, group (nested groups included), severity, tag and
 * "needs attention". Every filter lives in the URL, so a reload or a link shows the same list.
 * Each host links to its report; administrators also reach its settings and can add hosts. Live.
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
    MatSelectModule,
    RouterLink,
    IconComponent,
    SeverityBadgeComponent,
    SeverityCountsComponent,
    ProblemMarksComponent,
    SparklineComponent,
  ],
  templateUrl: './host-health.component.html',
  styleUrl: './host-health.component.scss',
})
export class HostHealthComponent {
  private readonly api = inject(ApiService);
  private readonly events = inject(EventsService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  protected readonly auth = inject(AuthService);

  protected readonly hosts = signal<readonly HostHealth[]>([]);
  protected readonly loaded = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  /** From the URL at first, written back to it on each change (`/hosts?group=3&sort=name`). */
  protected readonly filters = signal<HostListFilters>(hostFiltersFromQuery((key) => this.route.snapshot.queryParamMap.get(key)));
  protected readonly limit = signal(PAGE);
  protected readonly phone = toSignal(inject(BreakpointObserver).observe('(max-width: 599.98px)').pipe(map((r) => r.matches)), { initialValue: false });

  /** Hosts' tags (`GET /api/hosts`) and groups (`GET /api/groups`), for the columns and filters. */
  private readonly hostObjects = signal<readonly Host[]>([]);
  protected readonly groups = signal<readonly HostGroup[]>([]);
  private readonly facts = computed(() => {
    const groups = hostGroupFacts(this.groups());
    return new Map<number, HostFacts>(
      this.hostObjects().map((h) => [h.id, { tags: h.tags ?? [], groupNames: groups.get(h.id)?.groupNames ?? [], groupIds: groups.get(h.id)?.groupIds ?? new Set<number>() }]),
    );
  });
  protected readonly tags = computed(() => allTags(this.hostObjects().map((h) => h.tags ?? [])));
  protected readonly groupChoices = computed(() => [...this.groups()].sort((a, b) => a.name.localeCompare(b.name)));
  protected readonly severities = SEVERITIES;
  protected readonly severityLabels = SEVERITY_LABELS;

  protected readonly matching = computed(() => {
    const facts = this.facts();
    return filterAndSortHosts(this.hosts(), (id) => facts.get(id), this.filters());
  });
  protected readonly rows = computed(() => this.matching().slice(0, this.limit()));
  protected readonly counts = computed(() => countBySeverity(this.hosts().map((h) => h.severity)));
  protected readonly unreachableCount = computed(() => this.hosts().filter(isUnreachable).length);
  protected readonly filtered = computed(() => {
    const f = this.filters();
    return Boolean(f.q || f.attention || f.group !== null || f.severity || f.tag);
  });

  /** Sparklines of the rows shown, by host id; the columns are the plugins the core has (CPU, memory, disk). */
  protected readonly sparklines = signal<ReadonlyMap<number, Sparkline[]>>(new Map());
  protected readonly sparkColumns = signal<readonly { pluginId: string; label: string }[]>([]);
  protected readonly sparkNote = signal<string | undefined>(undefined);
  /** False once the core answered that it has no sparkline route (an older core): the columns go. */
  protected readonly sparkAvailable = signal(true);
  /** Bumped by live reloads at most once a minute, so the sparklines follow the clock. */
  private readonly sparkEpoch = signal(0);
  private sparkGeneration = 0;
  private lastSparkAt = 0;
  private lastSparkKey = '';

  protected readonly groupNames = (id: number) => this.facts().get(id)?.groupNames ?? [];
  protected readonly hostTags = (id: number) => this.facts().get(id)?.tags ?? [];
  protected readonly spark = (hostId: number, pluginId: string) => this.sparklines().get(hostId)?.find((s) => s.pluginId === pluginId);
  protected readonly agent = healthAgentStatus;
  /** Devices (docs/devices.md) by id: the list shows their icon and their collector instead of an agent. */
  private readonly devicesById = computed(() => new Map(this.hostObjects().filter((h) => h.kind === 'device').map((h) => [h.id, h])));
  protected readonly device = (id: number) => this.devicesById().get(id);
  protected readonly deviceLabel = deviceAgentLabel;
  protected readonly sinceLabel = presenceSinceLabel;
  protected readonly tone = presenceTone;

  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    void this.refresh();
    void this.loadFacts();
    this.events.events$
      .pipe(
        filter((e) => e.type === 'state.changed' || e.type === 'host.presence' || e.type === 'config.changed'),
        takeUntilDestroyed(),
      )
      .subscribe((e) => {
        if (e.type === 'config.changed') void this.loadFacts();
        this.scheduleRefresh();
      });
    // Back and forward between filtered views: the URL is the truth.
    this.route.queryParamMap.pipe(takeUntilDestroyed()).subscribe((params) => {
      const next = hostFiltersFromQuery((key) => params.get(key));
      if (JSON.stringify(hostFiltersToQuery(next)) !== JSON.stringify(hostFiltersToQuery(this.filters()))) this.filters.set(next);
    });
    // One sparkline request per page of rows: again when the rows shown, the range or the minute change.
    effect(() => {
      const ids = this.rows().map((h) => h.id);
      const range = this.filters().range;
      const key = `${range}|${ids.join(',')}|${this.sparkEpoch()}`;
      // Rows recomputed with the same hosts (groups or tags reloaded) ask nothing again.
      if (!this.sparkAvailable() || ids.length === 0 || key === this.lastSparkKey) return;
      this.lastSparkKey = key;
      untracked(() => void this.loadSparklines(ids, range));
    });
    inject(DestroyRef).onDestroy(() => clearTimeout(this.refreshTimer));
  }

  /** Changes one filter (the list starts again at its first rows) and writes the URL. */
  protected set<K extends keyof HostListFilters>(key: K, value: HostListFilters[K]): void {
    this.filters.update((f) => ({ ...f, [key]: value }));
    this.limit.set(PAGE);
    void this.router.navigate([], { relativeTo: this.route, queryParams: hostFiltersToQuery(this.filters()), replaceUrl: true });
  }

  protected clearFilters(): void {
    const { sort, range } = this.filters();
    this.filters.update(() => ({ q: '', attention: false, group: null, severity: '', tag: '', sort, range }));
    this.limit.set(PAGE);
    void this.router.navigate([], { relativeTo: this.route, queryParams: hostFiltersToQuery(this.filters()), replaceUrl: true });
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

  /** Tags and groups; without them the list still shows (the group and tag filters then match nothing). */
  private async loadFacts(): Promise<void> {
    try {
      const [hosts, groups] = await Promise.all([loadAll<Host>(this.api, 'hosts'), loadAll<HostGroup>(this.api, 'groups')]);
      this.hostObjects.set(hosts);
      this.groups.set(groups);
    } catch (err) {
      this.error.set(`Groups and tags could not be read: ${toApiError(err).message}`);
    }
  }

  private async loadSparklines(ids: readonly number[], range: HostListFilters['range']): Promise<void> {
    const generation = ++this.sparkGeneration;
    this.lastSparkAt = Date.now();
    try {
      // One request per page of rows (200 hosts, the API's most); "Show more" adds one per further page.
      const chunks: number[][] = [];
      for (let i = 0; i < ids.length; i += MAX_SPARKLINE_HOSTS) chunks.push(ids.slice(i, i + MAX_SPARKLINE_HOSTS));
      const answers = await Promise.all(chunks.map((chunk) => this.api.get<SparklinesResponse>('reports/sparklines', { hostIds: chunk.join(','), range })));
      if (generation !== this.sparkGeneration) return; // an answer to an older page or range
      this.sparklines.set(new Map(answers.flatMap((a) => [...sparklinesByHost(a)])));
      this.sparkColumns.set(sparklineColumns(answers[0]!));
      this.sparkNote.set(undefined);
    } catch (err) {
      if (generation !== this.sparkGeneration) return;
      const e = toApiError(err);
      if (isMissingRoute(e)) this.sparkAvailable.set(false);
      else this.sparkNote.set(`Sparklines could not be read: ${e.message}`);
    }
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
      if (Date.now() - this.lastSparkAt >= SPARK_REFRESH_MS) this.sparkEpoch.update((n) => n + 1);
    }, 1000);
  }
}
