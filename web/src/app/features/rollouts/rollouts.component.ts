import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal, viewChild } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, FormGroupDirective, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { RouterLink } from '@angular/router';
import { filter } from 'rxjs';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import { EventsService } from '../../core/events.service';
import type { HostGroup, Plugin, RolloutInput, RolloutsResponse } from '../../core/protocol';
import { CheckboxListComponent } from '../../shared/ui/checkbox-list.component';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { fieldMessage } from '../../shared/ui/form-errors';
import { loadAll } from '../../shared/ui/load-all';
import { describedOptions } from '../../shared/ui/options';
import { SeverityBadgeComponent, SeverityCountsComponent } from '../../shared/ui/severity-badge.component';
import { reportedPercent, rolloutStatus, stageCounts, STATUS_TEXT, versionChoices, type Rollout } from './rollouts';

/** Progress is read again this often while the page is open, besides the live events, ms. */
const POLL_MS = 30_000;

/**
 * Staged rollouts (`/rollouts`, docs/marketplace.md "Staged rollout"): a new plugin version goes
 * to the hosts of some host groups first (the stage) and to everyone once promoted. The page
 * lists each rollout with its progress (stage hosts worst first with the plugin's state on each,
 * how many agents reported the bundle) and keeps it current from the event stream and a poll;
 * administrators **start** one (plugin, version, groups: `PUT /api/marketplace/rollouts/:pluginId`),
 * **promote** it (`DELETE`) or **abort** it (`POST …/abort`: the stage goes back to the previous
 * version), each after a confirmation.
 */
@Component({
  selector: 'p-rollouts',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, ReactiveFormsModule, MatButtonModule, MatCardModule, MatFormFieldModule, MatProgressBarModule, MatSelectModule, RouterLink, CheckboxListComponent, SeverityBadgeComponent, SeverityCountsComponent],
  template: `
    <section class="p-page">
      <h1 class="p-page-title">Staged rollouts</h1>
      <p class="p-muted intro">
        Send a new plugin version to some host groups first and watch how it does there. Hosts outside the stage keep the previous version (a
        plugin new to the site runs only on the stage) until you <strong>promote</strong> the rollout; <strong>abort</strong> sends the stage back to
        the previous version and keeps the new one from every host.
      </p>

      @if (auth.canConfigure()) {
        <mat-card appearance="outlined" class="create">
          <mat-card-header><mat-card-title>{{ editing() ? 'Roll out again' : 'New rollout' }}</mat-card-title></mat-card-header>
          <mat-card-content>
            <form [formGroup]="form" (ngSubmit)="start()" novalidate>
              <div class="row">
                <mat-form-field>
                  <mat-label>Plugin</mat-label>
                  <mat-select formControlName="pluginId" required>
                    @for (p of plugins(); track p.id) {
                      <mat-option [value]="p.pluginId">{{ p.name || p.pluginId }}</mat-option>
                    }
                  </mat-select>
                  <mat-error>{{ message(form.controls.pluginId) }}</mat-error>
                </mat-form-field>
                <mat-form-field>
                  <mat-label>Version</mat-label>
                  <mat-select formControlName="version" required>
                    @for (v of versions(); track v) {
                      <mat-option [value]="v">{{ v }}</mat-option>
                    }
                  </mat-select>
                  <mat-hint>The stage gets this version (once approved) and anything newer</mat-hint>
                  <mat-error>{{ message(form.controls.version) }}</mat-error>
                </mat-form-field>
              </div>
              <p-checkbox-list
                label="Stage: host groups"
                formControlName="groups"
                [options]="groupOptions()"
                help="Their hosts, nested groups included, get the new version first."
                emptyText="No host groups yet. Add a host group first."
                [error]="form.controls.groups.touched ? message(form.controls.groups) : undefined"
              />
              <div class="buttons">
                <button mat-flat-button type="submit" [disabled]="busy()">Start rollout</button>
                @if (editing()) {
                  <button mat-button type="button" (click)="cancelEdit()">Cancel</button>
                }
              </div>
            </form>
          </mat-card-content>
        </mat-card>
      }
      @if (error(); as text) {
        <p class="p-error-banner" role="alert">{{ text }}</p>
      }

      <h2 class="p-section-title">Rollouts</h2>
      <div class="progress">
        @if (loading()) {
          <mat-progress-bar mode="indeterminate" />
        }
      </div>
      @if (!loading() && rollouts().length === 0) {
        <p class="p-muted">No staged rollouts: every host runs the newest approved version of each plugin.</p>
      }
      <div class="rollouts">
        @for (r of rollouts(); track r.pluginId) {
          <mat-card appearance="outlined" class="rollout" [attr.data-plugin]="r.pluginId" [attr.data-status]="status(r)">
            <mat-card-header>
              <mat-card-title>
                @if (pluginRow(r.pluginId); as p) {
                  <a [routerLink]="['/plugins', p.id]">{{ p.name || r.pluginId }}</a>
                } @else {
                  {{ r.pluginId }}
                }
                <span class="version">{{ r.version }}</span>
              </mat-card-title>
              <mat-card-subtitle>
                <span class="status" [class]="'status ' + status(r)">{{ statusText[status(r)] }}</span>
                @if (r.abortedAt) {
                  <span>since {{ r.abortedAt | date: 'd MMM y, HH:mm:ss' }}</span>
                } @else if (r.startedAt) {
                  <span>since {{ r.startedAt | date: 'd MMM y, HH:mm:ss' }}</span>
                }
              </mat-card-subtitle>
            </mat-card-header>
            <mat-card-content>
              @if (status(r) === 'aborted') {
                <p class="p-muted">No host gets {{ r.version }} or anything newer until you roll it out again or promote it.</p>
              } @else {
                <p class="stage">Stage: {{ groupNames(r.groups) }}</p>
                @if (status(r) === 'waiting') {
                  <p class="p-muted">
                    {{ r.version }} is not usable yet: approve it on the plugin's page (or trust its publisher again); meanwhile the stage keeps the
                    previous version.
                  </p>
                }
                @if (r.progress; as p) {
                  <div class="counts">
                    <span>{{ p.stageTotal }} of {{ p.hostsTotal }} {{ p.hostsTotal === 1 ? 'host' : 'hosts' }} in the stage</span>
                    <p-severity-counts [counts]="counts(r)" [hideZero]="true" />
                  </div>
                  <div class="reported">
                    <mat-progress-bar mode="determinate" [value]="percent(r)" [attr.aria-label]="'Agents that reported ' + r.version" />
                    <span class="p-muted">{{ p.reportedTotal }} of {{ p.stageTotal }} agents reported {{ r.version }} when they last connected</span>
                  </div>
                  @if (p.stage.length) {
                    <ul class="hosts">
                      @for (h of p.stage; track h.hostId) {
                        <li>
                          <p-severity-badge [severity]="h.severity" />
                          <a [routerLink]="['/hosts', h.hostId, 'detail']">{{ h.name }}</a>
                          @if (h.reported) {
                            <span class="p-muted has">has {{ r.version }}</span>
                          }
                        </li>
                      }
                    </ul>
                    @if (p.stageTotal > p.stage.length) {
                      <p class="p-muted">and {{ p.stageTotal - p.stage.length }} more</p>
                    }
                  }
                }
              }
            </mat-card-content>
            @if (auth.canConfigure()) {
              <mat-card-actions align="end">
                @if (status(r) === 'aborted') {
                  <button mat-button type="button" (click)="edit(r)">Roll out again</button>
                } @else {
                  <button mat-button type="button" class="danger abort" [disabled]="busy()" (click)="abort(r)">Abort</button>
                }
                <button mat-flat-button type="button" class="promote" [disabled]="busy()" (click)="promote(r)">Promote to all hosts</button>
              </mat-card-actions>
            }
          </mat-card>
        }
      </div>
    </section>
  `,
  styles: `
    .intro { max-width: 860px; }
    .create { margin: 0 0 24px; max-width: 860px; }
    .row { display: flex; gap: 12px; flex-wrap: wrap; align-items: flex-start; }
    .row mat-form-field { flex: 1 1 240px; }
    .buttons { display: flex; gap: 8px; margin-top: 12px; }
    .progress { height: 4px; margin: 4px 0; }
    .rollouts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 420px), 1fr)); gap: 16px; }
    .version { font: var(--mat-sys-body-medium); margin-left: 8px; font-variant-numeric: tabular-nums; }
    .status { font-weight: 600; margin-right: 6px; }
    .status.aborted { color: var(--mat-sys-error); }
    .status.waiting { color: #a14b00; }
    .counts { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 8px 0; }
    .reported { display: grid; gap: 4px; margin: 8px 0; font: var(--mat-sys-body-small); }
    .hosts { list-style: none; padding: 0; margin: 8px 0 0; display: grid; gap: 4px; }
    .hosts li { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
    .has { font: var(--mat-sys-body-small); }
    .stage { margin: 0; }
    .danger { --mat-button-text-label-text-color: var(--mat-sys-error); }
  `,
})
export class RolloutsComponent {
  private readonly api = inject(ApiService);
  private readonly confirm = inject(ConfirmService);
  protected readonly auth = inject(AuthService);

  protected readonly rollouts = signal<readonly Rollout[]>([]);
  protected readonly plugins = signal<readonly Plugin[]>([]);
  private readonly groups = signal<readonly HostGroup[]>([]);
  protected readonly loading = signal(true);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  /** The plugin whose aborted rollout is being started again, if any. */
  protected readonly editing = signal<string | undefined>(undefined);
  protected readonly statusText = STATUS_TEXT;
  protected readonly status = rolloutStatus;
  protected readonly counts = stageCounts;
  protected readonly percent = reportedPercent;
  protected readonly message = fieldMessage;

  protected readonly form = new FormGroup({
    pluginId: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    version: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    groups: new FormControl<number[]>([], { nonNullable: true, validators: [Validators.required] }),
  });
  /** Resetting through the directive also forgets the submission, so an emptied form shows no errors. */
  private readonly formDirective = viewChild(FormGroupDirective);
  private readonly chosenPlugin = signal('');
  protected readonly versions = computed(() => versionChoices(this.plugins().find((p) => p.pluginId === this.chosenPlugin())));
  protected readonly groupOptions = computed(() => describedOptions([...this.groups()].sort((a, b) => a.name.localeCompare(b.name))));
  protected readonly pluginRow = (pluginId: string) => this.plugins().find((p) => p.pluginId === pluginId);
  protected readonly groupNames = (ids: readonly number[]) => {
    const names = new Map(this.groups().map((g) => [g.id, g.name]));
    return ids.map((id) => names.get(id) ?? `group ${id}`).join(', ');
  };

  private reloadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.form.controls.pluginId.valueChanges.pipe(takeUntilDestroyed()).subscribe((pluginId) => {
      this.chosenPlugin.set(pluginId);
      // The newest version by default: the usual reason for a rollout.
      this.form.controls.version.setValue(versionChoices(this.plugins().find((p) => p.pluginId === pluginId))[0] ?? '');
    });
    void this.load();
    void this.loadChoices();
    // Live: a rollout, group or plugin change (config.changed), a state of a stage host, an agent (re)connecting with its bundles.
    inject(EventsService)
      .events$.pipe(
        filter((e) => e.type === 'config.changed' || e.type === 'state.changed' || e.type === 'host.presence'),
        takeUntilDestroyed(),
      )
      .subscribe(() => this.scheduleReload());
    const poll = setInterval(() => void this.load(), POLL_MS);
    inject(DestroyRef).onDestroy(() => {
      clearInterval(poll);
      clearTimeout(this.reloadTimer);
    });
  }

  private async load(): Promise<void> {
    try {
      this.rollouts.set((await this.api.get<RolloutsResponse>('marketplace/rollouts')).items);
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loading.set(false);
    }
  }

  private async loadChoices(): Promise<void> {
    try {
      const [plugins, groups] = await Promise.all([loadAll<Plugin>(this.api, 'plugins'), loadAll<HostGroup>(this.api, 'groups')]);
      this.plugins.set(plugins);
      this.groups.set(groups);
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  private scheduleReload(): void {
    if (this.reloadTimer) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      void this.load();
    }, 1000);
  }

  protected async start(): Promise<void> {
    this.error.set(undefined);
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { pluginId, version, groups } = this.form.getRawValue();
    const body: RolloutInput = { version, groups };
    this.busy.set(true);
    try {
      this.rollouts.set((await this.api.put<RolloutsResponse>(`marketplace/rollouts/${encodeURIComponent(pluginId)}`, body)).items);
      this.clearForm();
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }

  /** Fills the form with an aborted rollout's plugin and version, to choose its stage again. */
  protected edit(r: Rollout): void {
    this.editing.set(r.pluginId);
    this.form.controls.pluginId.setValue(r.pluginId);
    this.form.controls.version.setValue(r.version);
    this.form.controls.groups.setValue([]);
  }

  protected cancelEdit(): void {
    this.clearForm();
  }

  private clearForm(): void {
    this.editing.set(undefined);
    const empty = { pluginId: '', version: '', groups: [] };
    const directive = this.formDirective();
    if (directive) directive.resetForm(empty);
    else this.form.reset(empty);
  }

  protected async promote(r: Rollout): Promise<void> {
    const name = this.pluginRow(r.pluginId)?.name || r.pluginId;
    const ok = await this.confirm.confirm({
      title: 'Promote to all hosts?',
      message: `Every host gets the newest approved version of ${name}${rolloutStatus(r) === 'aborted' ? `, ${r.version} included, although this rollout was aborted` : ` (${r.version} or newer)`}, at its next plan.`,
      confirmLabel: 'Promote',
    });
    if (ok) await this.change(() => this.api.delete<RolloutsResponse>(`marketplace/rollouts/${encodeURIComponent(r.pluginId)}`));
  }

  protected async abort(r: Rollout): Promise<void> {
    const name = this.pluginRow(r.pluginId)?.name || r.pluginId;
    const ok = await this.confirm.confirm({
      title: 'Abort the rollout?',
      message: `The stage goes back to the version the other hosts run, and no host gets ${name} ${r.version} or newer until you roll it out again or promote it.`,
      confirmLabel: 'Abort rollout',
    });
    if (ok) await this.change(() => this.api.post<RolloutsResponse>(`marketplace/rollouts/${encodeURIComponent(r.pluginId)}/abort`, {}));
  }

  private async change(request: () => Promise<RolloutsResponse>): Promise<void> {
    this.busy.set(true);
    this.error.set(undefined);
    try {
      this.rollouts.set((await request()).items);
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }
}
