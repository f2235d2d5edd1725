import { BreakpointObserver } from '@angular/cdk/layout';
import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { filter, map } from 'rxjs';
import { AgentUpgradeStateComponent } from '../agent-upgrades/agent-upgrade-state.component';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import { EventsService } from '../../core/events.service';
import type { ApiEvent, Check, Host, HostReport, PageOf, Plugin, RunNowRequest, RunNowResponse, StateTransition } from '../../core/protocol';
import { ChartComponent, type ChartZoom } from '../../shared/ui/chart.component';
import { loadAll } from '../../shared/ui/load-all';
import { toLocalInput } from '../../shared/ui/local-time';
import { isMissingRoute } from '../../shared/ui/missing-route';
import { ProblemActionsComponent } from '../../shared/ui/problem-actions.component';
import { ProblemMarksComponent } from '../../shared/ui/problem-marks.component';
import { SeverityBadgeComponent } from '../../shared/ui/severity-badge.component';
import { EnrolmentPanelComponent } from './enrolment-panel.component';
import { DevicePanelComponent } from '../devices/device-panel.component';
import { HostDependenciesComponent } from './host-dependencies.component';
import { applyStoredResults, concernsHost, hostTransition, mergeTransitions, runNowNotice, storedTransition, toPluginViews, type HostTransition } from './host-detail';
import { presenceLabel, presenceSinceLabel, presenceTone, showsLastKnown } from './host-status';
import { choiceFromQuery, choiceToQuery, resolutionLabel, resolveRange, type RangeChoice, type TimeRange } from './range';
import { RangePickerComponent } from './range-picker.component';

/** How many live transitions the page keeps. */
const MAX_TRANSITIONS = 50;
/** Bursts of results become one reload at most this often, ms. */
const RELOAD_AFTER_MS = 2000;

/**
 * The report of one host (`/hosts/:id/detail`): its state and its agent's presence (the core's
 * state model, the same the host list shows), each plugin's current state with its newest
 * result, a chart per numeric plugin over the chosen range with holes where no data came,
 * messages of text plugins, and the changes of state seen live. Newest values are applied from
 * `result.stored` events as they come; any live event about this host also reloads the report
 * (coalesced), and a preset range slides with the clock on each reload.
 */
@Component({
  selector: 'p-host-detail',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, MatButtonModule, MatCardModule, MatProgressBarModule, RouterLink, ChartComponent, RangePickerComponent, SeverityBadgeComponent, EnrolmentPanelComponent, DevicePanelComponent, HostDependenciesComponent, ProblemActionsComponent, ProblemMarksComponent, AgentUpgradeStateComponent],
  templateUrl: './host-detail.component.html',
  styleUrl: './host-detail.component.scss',
})
export class HostDetailComponent {
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);
  private readonly events = inject(EventsService);
  protected readonly auth = inject(AuthService);

  /** Route parameter. */
  readonly id = input.required<string>();
  /** Query parameters: `range` (hour, day, week, month, custom) and, for custom, `from`/`to` (epoch ms). */
  readonly range = input<string>();
  readonly from = input<string>();
  readonly to = input<string>();

  protected readonly choice = computed<RangeChoice>(() => choiceFromQuery(this.range(), this.from(), this.to()));
  protected readonly report = signal<HostReport | undefined>(undefined);
  protected readonly plugins = signal<ReadonlyMap<string, Plugin>>(new Map());
  protected readonly loading = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  /** Live events about this host; names are resolved when shown, so plugins loaded later still name them. */
  private readonly received = signal<readonly { event: ApiEvent; index: number }[]>([]);
  /** The stored history (`GET /api/reports/transitions`), re-read with each reload of the report. */
  private readonly history = signal<readonly HostTransition[]>([]);
  protected readonly transitions = computed(() =>
    mergeTransitions(
      this.history(),
      this.received()
        .map(({ event, index }) => hostTransition(event, Number(this.id()), index, (id) => this.pluginName(id)))
        .filter((t): t is HostTransition => t !== undefined),
      // Newest first by when it happened: a late result can report an older change after a newer one.
      MAX_TRANSITIONS,
    ),
  );
  private readonly pluginsById = signal<ReadonlyMap<number, Plugin>>(new Map());
  /** Checks by id, for the thresholds (parameters) each plugin runs with. */
  private readonly checks = signal<ReadonlyMap<number, Check>>(new Map());
  /** The range before the first drag-to-zoom, for **Reset zoom**; undefined when not zoomed. */
  protected readonly beforeZoom = signal<RangeChoice | undefined>(undefined);

  protected readonly views = computed(() => {
    const report = this.report();
    return report ? toPluginViews(report, this.plugins(), this.checks()) : [];
  });
  protected readonly shownRange = computed(() => {
    const r = this.report();
    return r ? { from: r.from, to: r.to } : undefined;
  });
  protected readonly resolution = computed(() => resolutionLabel(this.report()?.resolutionMs ?? 0));
  /** The Problems page on this host and the same range: a preset by name, a custom range as its local times. */
  protected readonly problemsLink = computed(() => {
    const choice = this.choice();
    const shown = this.shownRange();
    if (choice.preset !== 'custom') return { hostId: this.id(), range: choice.preset };
    return shown ? { hostId: this.id(), range: 'custom', from: toLocalInput(shown.from), to: toLocalInput(shown.to) } : { hostId: this.id() };
  });
  /** The agent's presence in the words every page uses, as the core's state model reports it. */
  protected readonly agent = computed(() => {
    const presence = this.report()?.presence;
    return presence ? { label: presenceLabel(presence), since: presenceSinceLabel(presence), tone: presenceTone(presence), lastKnown: showsLastKnown(presence) } : undefined;
  });
  protected readonly chartHeight = toSignal(inject(BreakpointObserver).observe('(max-width: 599.98px)').pipe(map((r) => (r.matches ? 180 : 240))), {
    initialValue: 240,
  });

  /** Operators and administrators may run a plugin now; hidden once the core answers 404 (no such route). */
  protected readonly canRun = computed(() => this.runAvailable() && ['admin', 'operator'].includes(this.auth.user()?.role ?? ''));
  private readonly runAvailable = signal(true);
  /**
   * Per plugin id: what the last "Run now" did, in words. The API's request id is for the audit
   * trail and logs, not for people (issue 21), so it is not kept.
   */
  protected readonly runs = signal<ReadonlyMap<string, { notice?: string; error?: string; busy: boolean }>>(new Map());

  /** The host's own problem, for Acknowledge and Silence. */
  protected readonly hostProblem = computed(() => ({ hostId: Number(this.id()) }));

  /** One plugin on this host as a problem (the plugin's row id), for its own Acknowledge and Silence. */
  protected pluginProblem(pluginId: string): { hostId: number; pluginId: number } | undefined {
    const row = this.plugins().get(pluginId)?.id;
    return row === undefined ? undefined : { hostId: Number(this.id()), pluginId: row };
  }

  /** A plugin's state as reported (its acknowledged and maintenance marks). */
  protected pluginState(pluginId: string): HostReport['plugins'][number] | undefined {
    return this.report()?.plugins.find((p) => p.pluginId === pluginId);
  }

  /** Reloads the report (after an acknowledgement changed). */
  protected refresh(): void {
    void this.load(this.id(), this.choice());
  }

  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private eventCount = 0;
  private loadSeq = 0;

  constructor() {
    void this.loadPlugins();
    void this.loadChecks();
    effect(() => {
      const id = this.id();
      const choice = this.choice();
      untracked(() => void this.load(id, choice));
    });
    effect(() => {
      this.id();
      untracked(() => {
        this.received.set([]);
        this.history.set([]);
      });
    });
    this.events.events$
      .pipe(
        filter((e) => concernsHost(e, Number(this.id()))),
        takeUntilDestroyed(),
      )
      .subscribe((event) => {
        if (event.type === 'state.changed') {
          const entry = { event, index: this.eventCount++ };
          this.received.update((list) => [entry, ...list].slice(0, MAX_TRANSITIONS));
        }
        // The newest values at once; the reload brings messages, charts and states.
        if (event.type === 'result.stored') this.report.update((r) => r && applyStoredResults(r, event, (id) => this.pluginKey(id)));
        this.scheduleReload();
      });
    inject(DestroyRef).onDestroy(() => clearTimeout(this.reloadTimer));
  }

  protected changeRange(choice: RangeChoice): void {
    this.beforeZoom.set(undefined);
    this.navigateTo(choice);
  }

  /** A span dragged across a chart becomes the page's range (every chart follows). */
  protected zoomTo(span: ChartZoom): void {
    if (!this.beforeZoom()) this.beforeZoom.set(this.choice());
    this.navigateTo({ preset: 'custom', from: span.from, to: span.to });
  }

  protected resetZoom(): void {
    const before = this.beforeZoom() ?? { preset: 'day' };
    this.beforeZoom.set(undefined);
    this.navigateTo(before);
  }

  private navigateTo(choice: RangeChoice): void {
    void this.router.navigate([], { queryParams: choiceToQuery(choice), queryParamsHandling: 'merge', replaceUrl: true });
  }

  protected reload(): void {
    void this.load(this.id(), this.choice());
  }

  protected async runNow(pluginId: string): Promise<void> {
    const set = (state: { notice?: string; error?: string; busy: boolean }) => this.runs.update((m) => new Map(m).set(pluginId, state));
    set({ busy: true });
    try {
      const body: RunNowRequest = { pluginId };
      await this.api.post<RunNowResponse>(`hosts/${encodeURIComponent(this.id())}/run`, body);
      set({ busy: false, notice: runNowNotice(this.report()?.presence.state) });
    } catch (err) {
      const e = toApiError(err);
      if (isMissingRoute(e)) this.runAvailable.set(false);
      set({ busy: false, error: e.message });
    }
  }

  /** After a revocation the agent's status changes at once; the rest follows on the next reload. */
  protected hostChanged(host: Host): void {
    this.report.update((r) => (r ? { ...r, host } : r));
  }

  private async load(id: string, choice: RangeChoice): Promise<void> {
    const range = resolveRange(choice, Date.now());
    if ('error' in range) {
      this.error.set(range.error);
      return;
    }
    const seq = ++this.loadSeq;
    this.loading.set(true);
    void this.loadHistory(id, seq, range);
    try {
      const report = await this.api.get<HostReport>(`reports/hosts/${encodeURIComponent(id)}`, { from: range.from, to: range.to });
      // A slow answer for an older range must not overwrite a newer one.
      if (seq !== this.loadSeq) return;
      this.report.set(report);
      this.error.set(undefined);
    } catch (err) {
      if (seq === this.loadSeq) this.error.set(toApiError(err).message);
    } finally {
      if (seq === this.loadSeq) this.loading.set(false);
    }
  }

  /** Plugin names and chart hints; without them the page still works with reverse-DNS ids. */
  /** The host's newest stored transitions (its own and its plugins') in the page's range; a failure leaves the live ones. */
  private async loadHistory(id: string, seq: number, range: TimeRange): Promise<void> {
    try {
      const page = await this.api.get<PageOf<StateTransition>>('reports/transitions', { hostId: id, from: range.from, to: range.to, limit: MAX_TRANSITIONS });
      if (seq === this.loadSeq) this.history.set(page.items.map(storedTransition));
    } catch {
      // The live changes still show.
    }
  }

  private async loadPlugins(): Promise<void> {
    try {
      const list = await loadAll<Plugin>(this.api, 'plugins');
      this.pluginsById.set(new Map(list.map((p) => [p.id, p])));
      this.plugins.set(new Map(list.map((p) => [p.pluginId, p])));
    } catch {
      // Names are a nicety; the report itself carries everything needed.
    }
  }

  /** Checks, for the thresholds drawn on the charts; without them the manifest's bands (if any) are drawn. */
  private async loadChecks(): Promise<void> {
    try {
      this.checks.set(new Map((await loadAll<Check>(this.api, 'checks')).map((c) => [c.id, c])));
    } catch {
      // Bands are a nicety.
    }
  }

  /** A plugin's reverse-DNS id from its row id (live events carry row ids). */
  private pluginKey(id: unknown): string | undefined {
    return typeof id === 'number' ? this.pluginsById().get(id)?.pluginId : undefined;
  }

  private pluginName(id: unknown): string {
    if (typeof id === 'number') return this.pluginsById().get(id)?.name ?? `plugin ${id}`;
    if (typeof id === 'string') return this.plugins().get(id)?.name ?? id;
    return 'host';
  }

  private scheduleReload(): void {
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      this.reload();
    }, RELOAD_AFTER_MS);
  }
}
