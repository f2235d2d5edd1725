import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import { RouterLink } from '@angular/router';
import { debounceTime, filter } from 'rxjs';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import { EventsService } from '../../core/events.service';
import type { Host, HostDependencies } from '../../core/protocol';
import { loadAll } from '../../shared/ui/load-all';
import { isMissingRoute } from '../../shared/ui/missing-route';

/**
 * A host's place in the parent/child graph (docs/devices.md, "Dependencies"): its **chain** (the
 * ancestors it is reached through, nearest first, each a link, marked down when it is) and its
 * **children**; when `editable` (the host form, administrators), a multi-select of the other
 * hosts sets its parents (`PUT /api/hosts/:id/parents`; a refusal such as a cycle is shown as
 * the core words it). Live: a change of any host's state or presence (an ancestor going down)
 * reads the chain again, a second later. Hidden on a core without the endpoint.
 */
@Component({
  selector: 'p-host-dependencies',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule, MatButtonModule, MatCardModule, MatFormFieldModule, MatSelectModule, RouterLink],
  template: `
    @if (available()) {
      <mat-card appearance="outlined" class="dependencies">
        <mat-card-header><mat-card-title>Dependencies</mat-card-title></mat-card-header>
        <mat-card-content>
          @if (deps(); as d) {
            <dl>
              <dt>Reached through</dt>
              <dd class="chain" data-testid="chain">
                @for (a of d.ancestors; track a.hostId; let last = $last) {
                  <a [routerLink]="['/hosts', a.hostId, 'detail']" [class.down]="a.down">{{ a.name }}</a>
                  @if (a.down) {
                    <span class="down-label">(down)</span>
                  }
                  @if (!last) {
                    <span class="arrow" aria-hidden="true">←</span>
                  }
                } @empty {
                  <span class="p-muted">No parents: reached directly.</span>
                }
              </dd>
              <dt>Children</dt>
              <dd class="children" data-testid="children">
                @for (c of d.children; track c.hostId; let last = $last) {
                  <a [routerLink]="['/hosts', c.hostId, 'detail']">{{ c.name }}</a>{{ last ? '' : ', ' }}
                } @empty {
                  <span class="p-muted">None.</span>
                }
              </dd>
              @if (d.causedBy; as c) {
                <dt>Now</dt>
                <dd class="caused">Its problems are caused by {{ c.name }}, which is down: they send no notification of their own.</dd>
              }
            </dl>
          }
          @if (canEdit()) {
            <div class="parents">
              <mat-form-field subscriptSizing="dynamic">
                <mat-label>Parents</mat-label>
                <mat-select multiple [(ngModel)]="selected" [ngModelOptions]="{ standalone: true }" data-testid="parents">
                  @for (h of candidates(); track h.id) {
                    <mat-option [value]="h.id">{{ h.name }}</mat-option>
                  }
                </mat-select>
                <mat-hint>The hosts this one is reached through (a router, a switch). While all of them are down, its problems notify no one.</mat-hint>
              </mat-form-field>
              <button mat-stroked-button type="button" [disabled]="busy()" (click)="save()">Save parents</button>
            </div>
          }
          @if (error(); as message) {
            <p class="p-error-banner" role="alert">{{ message }}</p>
          }
        </mat-card-content>
      </mat-card>
    }
  `,
  styles: `
    .dependencies { margin: 0 0 24px; max-width: 760px; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 8px; }
    dt { color: var(--mat-sys-on-surface-variant); }
    dd { margin: 0; overflow-wrap: anywhere; }
    .arrow { margin: 0 0.35rem; color: var(--mat-sys-on-surface-variant); }
    .down, .down-label, .caused { color: var(--mat-sys-error); }
    .down-label { margin-inline-start: 0.25rem; }
    .parents { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; margin-top: 8px; }
    .parents mat-form-field { flex: 1 1 20rem; }
  `,
})
export class HostDependenciesComponent {
  private readonly api = inject(ApiService);
  private readonly auth = inject(AuthService);

  readonly hostId = input.required<number>();
  /** Shows the parents' multi-select (the host form; administrators only). */
  readonly editable = input(false);
  protected readonly canEdit = computed(() => this.editable() && this.auth.canConfigure());

  protected readonly deps = signal<HostDependencies | undefined>(undefined);
  protected readonly hosts = signal<Host[]>([]);
  protected readonly available = signal(true);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected selected: number[] = [];
  /** Every other host, by name. */
  protected readonly candidates = computed(() => this.hosts().filter((h) => h.id !== this.hostId()).sort((a, b) => a.name.localeCompare(b.name)));

  constructor() {
    effect(() => {
      const id = this.hostId();
      untracked(() => void this.load(id));
    });
    // The other hosts for the select, once, when it shows (the role is known after sign-in).
    effect(() => {
      if (this.canEdit() && !this.hostsLoaded) {
        this.hostsLoaded = true;
        untracked(() => void this.loadHosts());
      }
    });
    inject(EventsService)
      .events$.pipe(
        filter((e) => e.type === 'state.changed' || e.type === 'host.presence'),
        debounceTime(1000),
        takeUntilDestroyed(),
      )
      .subscribe(() => {
        if (this.available()) void this.load(this.hostId());
      });
  }
  private hostsLoaded = false;

  private async load(id: number): Promise<void> {
    try {
      this.show(await this.api.get<HostDependencies>(`hosts/${id}/dependencies`));
    } catch (err) {
      const e = toApiError(err);
      if (isMissingRoute(e)) this.available.set(false);
      else this.error.set(e.message);
    }
  }

  private async loadHosts(): Promise<void> {
    try {
      this.hosts.set(await loadAll<Host>(this.api, 'hosts'));
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  private show(deps: HostDependencies): void {
    this.deps.set(deps);
    this.selected = deps.parents.map((p) => p.hostId);
  }

  protected async save(): Promise<void> {
    this.busy.set(true);
    this.error.set(undefined);
    try {
      this.show(await this.api.put<HostDependencies>(`hosts/${this.hostId()}/parents`, { parentIds: this.selected }));
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }
}
