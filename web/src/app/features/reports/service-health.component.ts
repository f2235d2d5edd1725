import { BreakpointObserver } from '@angular/cdk/layout';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { filter, map } from 'rxjs';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { EventsService } from '../../core/events.service';
import type { ServiceHealth } from '../../core/protocol';
import { ProblemMarksComponent } from '../../shared/ui/problem-marks.component';
import { IconComponent } from '../../shared/ui/icon.component';
import { SeverityBadgeComponent, SeverityCountsComponent } from '../../shared/ui/severity-badge.component';
import { countBySeverity } from '../../shared/ui/severity';
import { sortServicesWorstFirst } from './service-health';

/**
 * Service health (`/reports/services`): every service worst first, with what each of its
 * dependencies and redundancy groups contributes. Live: it reloads on changes of state.
 */
@Component({
  selector: 'p-service-health',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatCardModule, MatFormFieldModule, MatInputModule, MatProgressBarModule, RouterLink, IconComponent, SeverityBadgeComponent, SeverityCountsComponent, ProblemMarksComponent],
  template: `
    <section class="p-page">
      <h1 class="p-page-title">Service health</h1>
      <p class="help p-muted">
        A service is as healthy as its worst part: every dependency must be healthy (a <em>Major</em> dependency makes the service
        <em>Critical</em>), and each redundancy group needs at least one healthy member. Open a service to see its members.
      </p>
      <div class="summary"><p-severity-counts [counts]="counts()" [hideZero]="true" /></div>
      <mat-form-field class="search" appearance="outline" subscriptSizing="dynamic">
        <mat-label>Search</mat-label>
        <p-icon matPrefix name="search" class="search-icon" />
        <input matInput type="search" autocomplete="off" (input)="q.set($any($event.target).value)" />
        <mat-hint>Filters by service name.</mat-hint>
      </mat-form-field>
      @if (error(); as message) {
        <p class="p-error-banner" role="alert">{{ message }}</p>
      }
      <div class="progress">
        @if (!loaded()) {
          <mat-progress-bar mode="indeterminate" />
        }
      </div>
      @if (loaded() && rows().length === 0) {
        <p class="p-muted">{{ services().length === 0 ? 'No services yet. Define them under Services.' : 'Nothing matches “' + q() + '”.' }}</p>
      } @else if (phone()) {
        <div class="cards">
          @for (s of rows(); track s.id) {
            <mat-card appearance="outlined" [attr.data-severity]="s.severity">
              <mat-card-content>
                <div class="card-title">
                  <a [routerLink]="['/reports/services', s.id]">{{ s.name }}</a>
                  <p-severity-badge [severity]="s.severity" />
                  <p-problem-marks [acknowledged]="s.acknowledged" [maintenance]="s.maintenance" />
                </div>
                <ul class="parts">
                  @for (part of s.parts; track $index) {
                    <li><span class="part-name">{{ part.name }}</span><p-severity-badge [severity]="part.severity" /></li>
                  } @empty {
                    <li class="p-muted">No dependencies or redundancy groups.</li>
                  }
                </ul>
              </mat-card-content>
            </mat-card>
          }
        </div>
      } @else {
        <div class="table-wrap">
          <table class="table">
            <thead>
              <tr><th scope="col">State</th><th scope="col">Service</th><th scope="col">Parts</th></tr>
            </thead>
            <tbody>
              @for (s of rows(); track s.id) {
                <tr [attr.data-severity]="s.severity">
                  <td><p-severity-badge [severity]="s.severity" /></td>
                  <td class="name"><a [routerLink]="['/reports/services', s.id]">{{ s.name }}</a> <p-problem-marks [acknowledged]="s.acknowledged" [maintenance]="s.maintenance" /></td>
                  <td>
                    <ul class="parts inline">
                      @for (part of s.parts; track $index) {
                        <li [title]="part.kind === 'dependency' ? 'Dependency' : 'Redundancy group'"><span class="part-name">{{ part.name }}</span><p-severity-badge [severity]="part.severity" /></li>
                      } @empty {
                        <li class="p-muted">No dependencies or redundancy groups.</li>
                      }
                    </ul>
                  </td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
    </section>
  `,
  styles: `
    .help { margin: 0 0 16px; max-width: 72ch; }
    .summary { margin-bottom: 16px; }
    .search { width: 320px; max-width: 100%; }
    .search-icon { margin: 0 4px 0 12px; }
    .progress { height: 4px; margin: 8px 0; }
    .table-wrap { overflow-x: auto; }
    .table { width: 100%; border-collapse: collapse; }
    .table th { text-align: left; font: var(--mat-sys-title-small); color: var(--mat-sys-on-surface-variant); padding: 8px 12px; border-bottom: 1px solid var(--mat-sys-outline-variant); }
    .table td { padding: 8px 12px; border-bottom: 1px solid var(--mat-sys-outline-variant); vertical-align: top; }
    .name { font-weight: 500; overflow-wrap: anywhere; white-space: nowrap; }
    .parts { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 4px; }
    .parts li { display: flex; align-items: center; justify-content: space-between; gap: 8px; }
    .parts.inline { flex-direction: row; flex-wrap: wrap; gap: 6px 16px; }
    .parts.inline li { justify-content: flex-start; }
    .part-name { overflow-wrap: anywhere; }
    .cards { display: flex; flex-direction: column; gap: 8px; }
    .card-title { display: flex; align-items: center; justify-content: space-between; gap: 8px; font: var(--mat-sys-title-medium); margin-bottom: 8px; overflow-wrap: anywhere; }
  `,
})
export class ServiceHealthComponent {
  private readonly api = inject(ApiService);
  private readonly events = inject(EventsService);

  protected readonly services = signal<readonly ServiceHealth[]>([]);
  protected readonly loaded = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly q = signal('');
  protected readonly phone = toSignal(inject(BreakpointObserver).observe('(max-width: 599.98px)').pipe(map((r) => r.matches)), { initialValue: false });

  protected readonly sorted = computed(() => sortServicesWorstFirst(this.services()));
  protected readonly rows = computed(() => {
    const needle = this.q().trim().toLowerCase();
    return needle ? this.sorted().filter((s) => s.name.toLowerCase().includes(needle)) : this.sorted();
  });
  protected readonly counts = computed(() => countBySeverity(this.services().map((s) => s.severity)));

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

  protected async refresh(): Promise<void> {
    try {
      this.services.set(await this.api.get<ServiceHealth[]>('reports/services'));
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
