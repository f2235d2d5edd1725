import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { Check, ClassifierHistoryResult, ClassifierOverride, Host, HostGroup } from '../../core/protocol';
import { ChartComponent } from '../../shared/ui/chart.component';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { loadAll } from '../../shared/ui/load-all';
import { LuaEditorComponent } from '../../shared/ui/lua-editor.component';
import { filterOptions, type Option } from '../../shared/ui/options';
import { SeverityBadgeComponent, SeverityCountsComponent } from '../../shared/ui/severity-badge.component';
import { countsInOrder, OVERRIDE_SCOPES, testRange, transitionSentence, valueSeries, type OverrideScope, type TestRange } from './classifier-editor';
import { count, CountPipe } from '../../shared/ui/plural';

/**
 * The classifier of one plugin: an editor starting from the bundle's default classifier (or an
 * override picked from the list), "Test against history" over one host's stored results
 * (`POST /api/classifiers/test`, operators and administrators), and the plugin's overrides per
 * check, host or host group (`PUT`/`DELETE /api/classifier-overrides`, administrators).
 * Viewers read the code and the overrides only. Nothing here changes a stored state: a test
 * writes nothing, and an override applies to results that arrive after it is saved.
 */
@Component({
  selector: 'p-classifier-editor',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    CountPipe,
    DatePipe,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    ChartComponent,
    LuaEditorComponent,
    SeverityBadgeComponent,
    SeverityCountsComponent,
  ],
  templateUrl: './classifier-editor.component.html',
  styleUrl: './classifier-editor.component.scss',
})
export class ClassifierEditorComponent {
  private readonly api = inject(ApiService);
  private readonly confirm = inject(ConfirmService);
  protected readonly auth = inject(AuthService);

  /** The plugin's reverse-DNS id (`io.prophasis.disk`). */
  readonly pluginId = input.required<string>();
  /** The bundle's default classifier, when the API returned it. */
  readonly defaultCode = input<string | undefined>(undefined);

  protected readonly scopes = OVERRIDE_SCOPES;
  protected readonly canEdit = this.auth.canConfigure;
  /** Trying code is an operator's right too (it writes nothing); viewers only read. */
  protected readonly canTest = computed(() => ['admin', 'operator'].includes(this.auth.user()?.role ?? ''));

  protected readonly code = signal('');
  /** The override whose code is in the editor; `undefined` for the default classifier. */
  protected readonly editing = signal<ClassifierOverride | undefined>(undefined);
  /** The API's compile error for the code in the editor (from Test or Save). */
  protected readonly compileError = signal<string | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly notice = signal<string | undefined>(undefined);

  protected readonly hosts = signal<Host[]>([]);
  protected readonly groups = signal<HostGroup[]>([]);
  protected readonly checks = signal<Check[]>([]);
  protected readonly overrides = signal<ClassifierOverride[]>([]);

  // Test against history
  protected readonly hostQuery = signal('');
  protected readonly hostId = signal<number | undefined>(undefined);
  protected readonly range = signal<TestRange>('day');
  protected readonly customFrom = signal('');
  protected readonly customTo = signal('');
  protected readonly running = signal(false);
  protected readonly result = signal<ClassifierHistoryResult | undefined>(undefined);
  protected readonly hostOptions = computed<Option<number>[]>(() => this.hosts().map((h) => ({ id: h.id, label: h.name, hint: h.description || undefined })));
  protected readonly shownHosts = computed(() => {
    const shown = filterOptions(this.hostOptions(), this.hostQuery());
    // Keep the chosen host selectable while the search no longer matches it.
    const chosen = this.hostOptions().find((o) => o.id === this.hostId());
    return chosen && !shown.includes(chosen) ? [chosen, ...shown] : shown;
  });
  protected readonly counts = computed(() => {
    const r = this.result();
    return r ? countsInOrder(r.counts) : [];
  });
  protected readonly series = computed(() => {
    const r = this.result();
    return r ? valueSeries(r) : [];
  });
  /** The code in the editor differs from what it was opened from (the default or the override). */
  protected readonly changed = computed(() => this.code() !== (this.editing()?.code ?? this.defaultCode() ?? ''));
  /**
   * Which classifier is in use, in words (issue 21: after editing, the page still said it showed
   * the default classifier): the opened override is in use for its scope; edited code is not in
   * use until it is saved; the default is in use wherever no override applies.
   */
  protected readonly status = computed(() => {
    const o = this.editing();
    const n = this.overrides().length;
    if (o) {
      const name = this.scopeName(o);
      return this.changed()
        ? `Changed the override for ${name}, not saved yet: ${name} still uses the saved override.`
        : `Editing the override for ${name}; this override is in use for ${name}.`;
    }
    if (this.changed()) return 'Changed the default classifier, not saved yet: save it as an override below to use it; the bundle\'s default stays as it is.';
    return n === 0
      ? "Showing the plugin's default classifier, in use everywhere (no overrides)."
      : `Showing the plugin's default classifier, in use where no override applies; ${count(n, 'override is', 'overrides are')} in use (below).`;
  });
  protected readonly sentence = computed(() => transitionSentence(this.result()?.transitionCount ?? 0));
  protected readonly erroredPoints = computed(() => (this.result()?.points ?? []).filter((p) => p.error).slice(0, 20));

  // Save as override
  protected readonly saveScope = signal<OverrideScope>('check');
  protected readonly saveTarget = signal<number | undefined>(undefined);
  protected readonly saving = signal(false);
  /** What a scope kind can be saved for: checks that run this plugin, every host, every group. */
  protected readonly targets = computed<Option<number>[]>(() => {
    switch (this.saveScope()) {
      case 'check':
        return this.checks()
          .filter((c) => c.plugins.some((p) => p.pluginId === this.pluginId()))
          .map((c) => ({ id: c.id, label: c.name }));
      case 'host':
        return this.hostOptions();
      case 'group':
        return this.groups().map((g) => ({ id: g.id, label: g.name }));
    }
  });

  constructor() {
    effect(() => {
      const pluginId = this.pluginId();
      untracked(() => void this.load(pluginId));
    });
    // The editor starts from the default classifier until an override is opened.
    effect(() => {
      const code = this.defaultCode();
      untracked(() => {
        if (!this.editing()) this.code.set(code ?? '');
      });
    });
  }

  /** `Check “cpu”`, `Host “web-1”`: what an override applies to, in words. */
  protected scopeName(o: Pick<ClassifierOverride, 'scope' | 'scopeId'>): string {
    const kind = OVERRIDE_SCOPES.find((s) => s.scope === o.scope)?.label ?? o.scope;
    const list: { id: number; name: string }[] = o.scope === 'check' ? this.checks() : o.scope === 'host' ? this.hosts() : this.groups();
    const name = list.find((x) => x.id === o.scopeId)?.name;
    return name ? `${kind} “${name}”` : `${kind} #${o.scopeId}`;
  }

  protected setCode(code: string): void {
    this.code.set(code);
    this.compileError.set(undefined);
  }

  protected edit(o: ClassifierOverride): void {
    this.editing.set(o);
    this.setCode(o.code);
    this.saveScope.set(o.scope);
    this.saveTarget.set(o.scopeId);
    this.notice.set(undefined);
  }

  protected editDefault(): void {
    this.editing.set(undefined);
    this.setCode(this.defaultCode() ?? '');
    this.notice.set(undefined);
  }

  protected setScope(scope: string): void {
    this.saveScope.set(scope as OverrideScope);
    this.saveTarget.set(undefined);
  }

  protected setTarget(value: string): void {
    this.saveTarget.set(value ? Number(value) : undefined);
  }

  protected setHost(value: string): void {
    this.hostId.set(value ? Number(value) : undefined);
  }

  protected setRange(value: string): void {
    this.range.set(value as TestRange);
  }

  /** Runs the code in the editor over the chosen host's stored results of this plugin. */
  protected async runTest(): Promise<void> {
    const hostId = this.hostId();
    const span = testRange(this.range(), Date.now(), this.customFrom(), this.customTo());
    if (hostId === undefined || !span) return;
    this.running.set(true);
    this.error.set(undefined);
    this.compileError.set(undefined);
    try {
      this.result.set(await this.api.post<ClassifierHistoryResult>('classifiers/test', { code: this.code(), hostId, pluginId: this.pluginId(), ...span }));
    } catch (err) {
      this.result.set(undefined);
      this.showError(err);
    } finally {
      this.running.set(false);
    }
  }

  /** Creates or replaces the override of the chosen scope with the code in the editor. */
  protected async saveOverride(): Promise<void> {
    const scopeId = this.saveTarget();
    if (scopeId === undefined) return;
    this.saving.set(true);
    this.error.set(undefined);
    this.compileError.set(undefined);
    this.notice.set(undefined);
    try {
      const saved = await this.api.put<ClassifierOverride>('classifier-overrides', { pluginId: this.pluginId(), scope: this.saveScope(), scopeId, code: this.code() });
      await this.loadOverrides(this.pluginId());
      this.editing.set(saved);
      this.notice.set(`Saved the override for ${this.scopeName(saved)}. It applies to results that arrive from now on.`);
    } catch (err) {
      this.showError(err);
    } finally {
      this.saving.set(false);
    }
  }

  protected async remove(o: ClassifierOverride): Promise<void> {
    const ok = await this.confirm.confirm({
      title: 'Delete override?',
      message: `${this.scopeName(o)} goes back to the next classifier in line (host group, then the plugin's default) for results that arrive from now on.`,
      confirmLabel: 'Delete',
    });
    if (!ok) return;
    this.error.set(undefined);
    try {
      await this.api.delete(`classifier-overrides/${o.id}`);
      if (this.editing()?.id === o.id) this.editDefault();
      await this.loadOverrides(this.pluginId());
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  /** A compile error belongs under the editor; anything else in the banner. */
  private showError(err: unknown): void {
    const e = toApiError(err);
    const details = e.details as { kind?: unknown } | undefined;
    if (e.status === 400 && (details?.kind === 'compile' || e.fieldErrors()['code'])) this.compileError.set(e.message);
    else this.error.set(e.message);
  }

  private async load(pluginId: string): Promise<void> {
    try {
      const [hosts, groups, checks] = await Promise.all([
        loadAll<Host>(this.api, 'hosts'),
        loadAll<HostGroup>(this.api, 'groups'),
        loadAll<Check>(this.api, 'checks'),
        this.loadOverrides(pluginId),
      ]);
      this.hosts.set(hosts);
      this.groups.set(groups);
      this.checks.set(checks);
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  private async loadOverrides(pluginId: string): Promise<void> {
    const list = await this.api.get<{ items: ClassifierOverride[] }>('classifier-overrides', { pluginId });
    this.overrides.set(list.items);
  }
}
