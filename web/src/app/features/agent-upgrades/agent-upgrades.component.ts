import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import type { AgentPackagesResponse, AgentUpgradeHost, AgentUpgradeRollout, HostGroup } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { loadAll } from '../../shared/ui/load-all';
import { hostUpgradeText, isTrouble, rolloutInput, stageText } from './agent-upgrades';

/**
 * Agent upgrades (`/agent-upgrades`, docs/install-agent.md "Upgrades from the console"),
 * administrators only: the version this core can serve and **Approve** (its packages are kept
 * and signed by the site key), **Start rollout** to host groups in stages (the next stage starts
 * by itself once enough hosts of the current one run the version, or with **Promote**), **Abort**,
 * and every host's agent version and upgrade state. Refusals show the API's message.
 */
@Component({
  selector: 'p-agent-upgrades',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, ReactiveFormsModule, MatButtonModule, MatCardModule, MatCheckboxModule, MatFormFieldModule, MatInputModule, MatSelectModule],
  template: `
    <section class="p-page">
      <h1 class="p-page-title">Agent upgrades</h1>
      <p class="p-muted intro">
        Approve the agent version this core serves, then roll it out to host groups in stages, as plugin rollouts are staged. Each agent
        downloads the package, checks its hash and the site key's signature, and asks root on its host to install it beside the running
        version; a version that does not connect in time is rolled back by the host itself.
      </p>
      @if (error(); as text) {
        <p class="p-error-banner" role="alert">{{ text }}</p>
      }

      <mat-card appearance="outlined" class="card available">
        <mat-card-header><mat-card-title>Versions</mat-card-title></mat-card-header>
        <mat-card-content>
          @if (packages(); as p) {
            @if (p.available; as a) {
              <p class="offer">
                This core serves <strong>{{ a.version }}</strong> (Node.js {{ a.node }}) for {{ platforms(a.packages) }}.
                @if (a.approved) {
                  <span class="p-muted">Approved.</span>
                } @else {
                  <button mat-flat-button type="button" class="approve" [disabled]="busy()" (click)="approve(a.version)">Approve {{ a.version }}</button>
                }
              </p>
            } @else {
              <p class="p-muted unavailable">No agent packages to approve: {{ p.unavailableReason }}</p>
            }
            @if (p.approved.length > 0) {
              <div class="scroll">
              <table class="approved">
                <thead>
                  <tr><th>Approved version</th><th>Platforms</th><th>By</th><th>When</th></tr>
                </thead>
                <tbody>
                  @for (v of p.approved; track v.version) {
                    <tr>
                      <td class="version">{{ v.version }}</td>
                      <td>{{ platforms(v.packages) }}</td>
                      <td>{{ v.approvedBy }}</td>
                      <td>{{ v.approvedAt | date: 'd MMM y, HH:mm:ss' }}</td>
                    </tr>
                  }
                </tbody>
              </table>
              </div>
            }
          } @else {
            <p class="p-muted">Loading…</p>
          }
        </mat-card-content>
      </mat-card>

      <mat-card appearance="outlined" class="card start">
        <mat-card-header><mat-card-title>New rollout</mat-card-title></mat-card-header>
        <mat-card-content>
          @if (approvedVersions().length === 0) {
            <p class="p-muted">Approve a version first.</p>
          } @else {
            <div class="row">
              <mat-form-field class="narrow">
                <mat-label>Version</mat-label>
                <mat-select [formControl]="version" required>
                  @for (v of approvedVersions(); track v) {
                    <mat-option [value]="v">{{ v }}</mat-option>
                  }
                </mat-select>
              </mat-form-field>
              <mat-form-field class="narrow">
                <mat-label>Next stage at (%)</mat-label>
                <input matInput type="number" min="1" max="100" [formControl]="promoteAt" />
                <mat-hint>Of the stage's hosts running the version</mat-hint>
              </mat-form-field>
              <mat-checkbox class="auto" [formControl]="autoPromote">Start the next stage by itself</mat-checkbox>
            </div>
            @for (stage of stages(); track $index; let i = $index) {
              <mat-form-field class="wide stage">
                <mat-label>Stage {{ i + 1 }}: host groups</mat-label>
                <mat-select multiple [value]="stage" (valueChange)="setStage(i, $event)">
                  @for (g of groups(); track g.id) {
                    <mat-option [value]="g.id">{{ g.name }}</mat-option>
                  }
                </mat-select>
              </mat-form-field>
            }
            <div class="row">
              <button mat-button type="button" class="add-stage" (click)="stages.update((s) => [...s, []])">Add stage</button>
              <mat-checkbox class="every" [formControl]="everyHostLast">Then every other host</mat-checkbox>
            </div>
            <button mat-flat-button type="button" class="start-rollout" [disabled]="busy() || !version.value" (click)="start()">Start rollout</button>
          }
        </mat-card-content>
      </mat-card>

      <h2 class="p-section-title">Rollouts</h2>
      @if (rollouts().length === 0) {
        <p class="p-muted empty">No agent upgrade rollouts yet.</p>
      } @else {
        <div class="scroll">
        <table class="rollouts">
          <thead>
            <tr><th>Version</th><th>State</th><th>Stages</th><th>Started</th><th></th></tr>
          </thead>
          <tbody>
            @for (r of rollouts(); track r.id) {
              <tr [attr.data-id]="r.id">
                <td class="version">{{ r.version }}</td>
                <td class="state">{{ r.state === 'running' ? 'Stage ' + (r.stage + 1) + ' of ' + r.stages.length : r.state }}</td>
                <td class="stages">
                  @for (s of r.stages; track $index; let i = $index) {
                    <div [class.current]="r.state === 'running' && i === r.stage">{{ i + 1 }}. {{ stage(s) }}</div>
                  }
                </td>
                <td>{{ r.createdAt | date: 'd MMM y, HH:mm:ss' }} ({{ r.createdBy }})</td>
                <td class="actions">
                  @if (r.state === 'running') {
                    @if (r.stage < r.stages.length - 1) {
                      <button mat-button type="button" class="promote" [disabled]="busy()" (click)="promote(r)">Promote</button>
                    }
                    <button mat-button type="button" class="danger abort" [disabled]="busy()" (click)="abort(r)">Abort</button>
                  }
                </td>
              </tr>
            }
          </tbody>
        </table>
        </div>
      }

      <h2 class="p-section-title">Hosts</h2>
      <div class="scroll">
      <table class="hosts">
        <thead>
          <tr><th>Host</th><th>Agent version</th><th>Platform</th><th>Upgrade</th></tr>
        </thead>
        <tbody>
          @for (h of hosts(); track h.hostId) {
            <tr [attr.data-id]="h.hostId">
              <td class="name">{{ h.name }}</td>
              <td class="agent-version">{{ h.agentVersion ?? '—' }}</td>
              <td class="platform">{{ h.platform ?? '—' }}</td>
              <td class="upgrade" [class.trouble]="trouble(h)">
                {{ upgradeText(h) }}
                @if (h.upgrade?.reason; as reason) {
                  <span class="reason">{{ reason }}</span>
                }
              </td>
            </tr>
          }
        </tbody>
      </table>
      </div>
    </section>
  `,
  styles: `
    .intro { max-width: 860px; }
    .scroll { overflow-x: auto; }
    .card { margin: 0 0 24px; max-width: 960px; }
    .row { display: flex; gap: 12px; flex-wrap: wrap; align-items: center; }
    .narrow { flex: 0 1 200px; }
    .wide { width: 100%; }
    table { border-collapse: collapse; width: 100%; max-width: 1100px; margin-bottom: 24px; }
    th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--mat-sys-outline-variant); vertical-align: top; }
    .current { font-weight: 600; }
    .reason { display: block; font-size: 12px; }
    .trouble { color: var(--mat-sys-error); }
    .danger { --mat-button-text-label-text-color: var(--mat-sys-error); }
  `,
})
export class AgentUpgradesComponent {
  private readonly api = inject(ApiService);
  private readonly confirm = inject(ConfirmService);

  protected readonly packages = signal<AgentPackagesResponse | undefined>(undefined);
  protected readonly rollouts = signal<readonly AgentUpgradeRollout[]>([]);
  protected readonly hosts = signal<readonly AgentUpgradeHost[]>([]);
  protected readonly groups = signal<readonly HostGroup[]>([]);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly approvedVersions = computed(() => (this.packages()?.approved ?? []).map((v) => v.version));
  private readonly groupName = computed(() => new Map(this.groups().map((g) => [g.id, g.name])));

  protected readonly version = new FormControl('', { nonNullable: true });
  protected readonly promoteAt = new FormControl<number>(100, { nonNullable: true });
  protected readonly autoPromote = new FormControl(true, { nonNullable: true });
  protected readonly everyHostLast = new FormControl(true, { nonNullable: true });
  protected readonly stages = signal<readonly (readonly number[])[]>([[]]);

  protected readonly upgradeText = hostUpgradeText;
  protected readonly trouble = isTrouble;

  constructor() {
    void this.load();
  }

  protected platforms(list: readonly { platform: string }[]): string {
    return list.map((p) => p.platform).join(', ');
  }

  protected stage(s: AgentUpgradeRollout['stages'][number]): string {
    return stageText(s, (id) => this.groupName().get(id) ?? `group ${id}`);
  }

  protected setStage(index: number, groupIds: number[]): void {
    this.stages.update((list) => list.map((s, i) => (i === index ? groupIds : s)));
  }

  private async load(): Promise<void> {
    try {
      const [packages, rollouts, hosts, groups] = await Promise.all([
        this.api.get<AgentPackagesResponse>('agent-upgrades/packages'),
        this.api.get<{ items: AgentUpgradeRollout[] }>('agent-upgrades/rollouts'),
        this.api.get<{ items: AgentUpgradeHost[] }>('agent-upgrades/hosts'),
        loadAll<HostGroup>(this.api, 'groups'),
      ]);
      this.packages.set(packages);
      this.rollouts.set(rollouts.items);
      this.hosts.set(hosts.items);
      this.groups.set(groups);
      if (!this.version.value && packages.approved[0]) this.version.setValue(packages.approved[0].version);
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  /** Runs one change, then reloads everything it may have moved (stages, hosts); a refusal shows its message. */
  private async change(work: () => Promise<unknown>): Promise<void> {
    this.busy.set(true);
    this.error.set(undefined);
    try {
      await work();
      await this.load();
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }

  protected async approve(version: string): Promise<void> {
    const ok = await this.confirm.confirm({
      title: `Approve agent ${version}?`,
      message: `Its packages are kept by the core and signed with the site key. Hosts get it only through a rollout you start.`,
      confirmLabel: 'Approve',
    });
    if (ok) await this.change(() => this.api.post('agent-upgrades/versions', { version }));
  }

  protected async start(): Promise<void> {
    const input = rolloutInput({
      version: this.version.value,
      stages: this.stages(),
      everyHostLast: this.everyHostLast.value,
      promoteAtPercent: this.promoteAt.value,
      autoPromote: this.autoPromote.value,
    });
    await this.change(async () => {
      await this.api.post('agent-upgrades/rollouts', input);
      this.stages.set([[]]);
    });
  }

  protected async promote(r: AgentUpgradeRollout): Promise<void> {
    await this.change(() => this.api.post(`agent-upgrades/rollouts/${r.id}/promote`));
  }

  protected async abort(r: AgentUpgradeRollout): Promise<void> {
    const ok = await this.confirm.confirm({
      title: `Abort the rollout of ${r.version}?`,
      message: 'No further hosts are offered the version. Hosts that upgraded keep it; a host already installing finishes.',
      confirmLabel: 'Abort rollout',
    });
    if (ok) await this.change(() => this.api.post(`agent-upgrades/rollouts/${r.id}/abort`));
  }
}
