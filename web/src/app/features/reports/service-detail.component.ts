import { NgTemplateOutlet } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { filter } from 'rxjs';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import { EventsService } from '../../core/events.service';
import type { HostGroup, HostHealth, PageOf, Service, ServiceHealth } from '../../core/protocol';
import { loadAll } from '../../shared/ui/load-all';
import { ProblemActionsComponent } from '../../shared/ui/problem-actions.component';
import { SeverityBadgeComponent } from '../../shared/ui/severity-badge.component';
import { TransitionHistoryComponent } from '../history/transition-history.component';
import { healthIndex, serviceBoxes, type HealthIndex } from './service-health';

/**
 * One service (`/reports/services/:id`): its dependencies and redundancy groups drawn as boxes,
 * each with the severity it contributes and every member's own health; hosts link to their
 * report; below, its history of changes of state with a time filter (p-transition-history). Live:
 * reloads on changes of state.
 */
@Component({
  selector: 'p-service-detail',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [NgTemplateOutlet, MatButtonModule, MatProgressBarModule, RouterLink, SeverityBadgeComponent, ProblemActionsComponent, TransitionHistoryComponent],
  template: `
    <section class="p-page">
      <p class="crumbs"><a routerLink="/reports/services">← Service health</a></p>
      <header class="head">
        <h1 class="p-page-title">{{ service()?.name ?? 'Service' }}</h1>
        @if (health(); as h) {
          <p-severity-badge [severity]="h.severity" />
        }
        <span class="spacer"></span>
        @if (auth.canConfigure() && service()) {
          <a mat-stroked-button [routerLink]="['/services', id()]">Edit service</a>
        }
      </header>
      @if (health(); as h) {
        <p-problem-actions [problem]="serviceProblem()" [severity]="h.severity" [acknowledged]="h.acknowledged" [maintenance]="h.maintenance" (changed)="refresh()" />
      }
      @if (service()?.description; as description) {
        <p class="p-muted description">{{ description }}</p>
      }
      <div class="progress">
        @if (loading()) {
          <mat-progress-bar mode="indeterminate" />
        }
      </div>
      @if (error(); as message) {
        <p class="p-error-banner" role="alert">{{ message }}</p>
      }

      @if (service()) {
        <h2 class="section">Dependencies <span class="p-muted rule">each must be healthy</span></h2>
        <div class="boxes">
          @for (box of dependencies(); track $index) {
            <ng-container *ngTemplateOutlet="boxTpl; context: { $implicit: box }" />
          } @empty {
            <p class="p-muted">No dependencies.</p>
          }
        </div>
        <h2 class="section">Redundancy groups <span class="p-muted rule">at least one member must be healthy</span></h2>
        <div class="boxes">
          @for (box of redundancy(); track $index) {
            <ng-container *ngTemplateOutlet="boxTpl; context: { $implicit: box }" />
          } @empty {
            <p class="p-muted">No redundancy groups.</p>
          }
        </div>
        <p-transition-history [serviceId]="serviceProblem().serviceId" />
      }
    </section>

    <ng-template #boxTpl let-box>
      <div [class]="'box sev-' + box.severity" [attr.data-box]="box.name">
        <div class="box-head">
          <span class="box-name">{{ box.kind === 'redundancy' ? box.name : box.members[0]?.kind === 'group' ? 'Group' : 'Host' }}</span>
          <span class="contributes">
            <span class="p-muted">contributes</span>
            <p-severity-badge [severity]="box.severity" />
          </span>
        </div>
        <ul class="members">
          @for (m of box.members; track m.kind + m.id) {
            <li class="member">
              <div class="member-line">
                @if (m.kind === 'host') {
                  <a [routerLink]="['/hosts', m.id, 'detail']">{{ m.name }}</a>
                  @if (m.unreachable) {
                    <span class="unreachable">Unreachable</span>
                  }
                } @else {
                  <span class="group-name">{{ m.name }} <span class="p-muted">(group)</span></span>
                }
                <p-severity-badge [severity]="m.severity" />
              </div>
              @if (m.kind === 'group') {
                <ul class="hosts">
                  @for (h of m.hosts; track h.id) {
                    <li>
                      <a [routerLink]="['/hosts', h.id, 'detail']">{{ h.name }}</a>
                      @if (h.unreachable) {
                        <span class="unreachable">Unreachable</span>
                      }
                      <p-severity-badge [severity]="h.severity" />
                    </li>
                  } @empty {
                    <li class="p-muted">No hosts in this group.</li>
                  }
                </ul>
              }
            </li>
          } @empty {
            <li class="p-muted">No members: this group makes the service critical.</li>
          }
        </ul>
      </div>
    </ng-template>
  `,
  styles: `
    .crumbs { margin: 0 0 8px; }
    .head { display: flex; align-items: center; flex-wrap: wrap; gap: 8px 12px; }
    .head .p-page-title { margin: 0; overflow-wrap: anywhere; }
    .spacer { flex: 1; }
    .description { margin: 8px 0 0; }
    .progress { height: 4px; margin: 12px 0; }
    .section { font: var(--mat-sys-title-medium); margin: 16px 0 8px; display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 12px; }
    .rule { font: var(--mat-sys-body-small); }
    .boxes { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 300px), 1fr)); gap: 12px; align-items: start; }
    .box { border: 1px solid var(--mat-sys-outline-variant); border-left-width: 6px; border-radius: 12px; padding: 12px; background: var(--mat-sys-surface-container-low); min-width: 0; }
    .box.sev-critical { border-left-color: var(--p-sev-critical-bg); }
    .box.sev-major { border-left-color: var(--p-sev-major-bg); }
    .box.sev-minor { border-left-color: var(--p-sev-minor-bg); }
    .box.sev-degraded { border-left-color: var(--p-sev-degraded-bg); }
    .box.sev-unknown { border-left-color: var(--p-sev-unknown-bg); }
    .box.sev-ok { border-left-color: var(--p-sev-ok-bg); }
    .box.sev-no_data { border-left-color: var(--p-sev-no_data-bg); }
    .box-head { display: flex; align-items: center; justify-content: space-between; flex-wrap: wrap; gap: 6px; margin-bottom: 8px; }
    .box-name { font: var(--mat-sys-title-small); overflow-wrap: anywhere; }
    .contributes { display: inline-flex; align-items: center; gap: 6px; font: var(--mat-sys-body-small); }
    .members, .hosts { list-style: none; margin: 0; padding: 0; }
    .member { padding: 6px 0; border-top: 1px solid var(--mat-sys-outline-variant); }
    .member-line, .hosts li { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
    .member-line a, .group-name, .hosts a { overflow-wrap: anywhere; min-width: 0; }
    .hosts { margin: 6px 0 0 12px; padding-left: 8px; border-left: 2px solid var(--mat-sys-outline-variant); }
    .hosts li { padding: 3px 0; }
    .unreachable { color: var(--mat-sys-error); font: var(--mat-sys-body-small); font-weight: 600; margin-right: auto; }
  `,
})
export class ServiceDetailComponent {
  private readonly api = inject(ApiService);
  private readonly events = inject(EventsService);
  protected readonly auth = inject(AuthService);

  /** Route parameter. */
  readonly id = input.required<string>();

  protected readonly service = signal<Service | undefined>(undefined);
  protected readonly health = signal<ServiceHealth | undefined>(undefined);
  /** The service's problem, for Acknowledge and Silence. */
  protected readonly serviceProblem = computed(() => ({ serviceId: Number(this.id()) }));

  /** Reloads (after an acknowledgement changed). */
  protected refresh(): void {
    void this.load(this.id());
  }
  protected readonly index = signal<HealthIndex>(healthIndex([], []));
  protected readonly loading = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  protected readonly boxes = computed(() => {
    const service = this.service();
    return service ? serviceBoxes(service, this.health(), this.index()) : [];
  });
  protected readonly dependencies = computed(() => this.boxes().filter((b) => b.kind === 'dependency'));
  protected readonly redundancy = computed(() => this.boxes().filter((b) => b.kind === 'redundancy'));

  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => void this.load(id));
    });
    this.events.events$
      .pipe(
        filter((e) => e.type === 'state.changed' || e.type === 'host.presence' || e.type === 'config.changed'),
        takeUntilDestroyed(),
      )
      .subscribe(() => {
        if (this.refreshTimer) return;
        this.refreshTimer = setTimeout(() => {
          this.refreshTimer = undefined;
          void this.load(this.id());
        }, 1000);
      });
    inject(DestroyRef).onDestroy(() => clearTimeout(this.refreshTimer));
  }

  private async load(id: string): Promise<void> {
    this.loading.set(true);
    try {
      const [service, services, hosts, groups] = await Promise.all([
        this.api.get<Service>(`services/${encodeURIComponent(id)}`),
        this.api.get<ServiceHealth[]>('reports/services'),
        this.api.get<HostHealth[] | PageOf<HostHealth>>('reports/hosts'),
        loadAll<HostGroup>(this.api, 'groups'),
      ]);
      this.service.set(service);
      this.health.set(services.find((s) => s.id === service.id));
      this.index.set(healthIndex(Array.isArray(hosts) ? hosts : hosts.items, groups));
      this.error.set(undefined);
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loading.set(false);
    }
  }
}
