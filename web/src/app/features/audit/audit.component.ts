import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, effect, inject, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, type PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { AuditEntry, PageOf } from '../../core/protocol';
import { PagedLoader } from '../../shared/ui/paged-loader';
import { AUDIT_KINDS, AUDIT_RANGES, auditFiltersFromQuery, auditFiltersToQuery, auditQuery, objectLink, summaryText, type AuditFilters } from './audit';

type Query = Record<string, string | number | undefined>;

/**
 * The audit trail (`/audit`, administrators, as the API is): who changed what, newest first,
 * filtered by user, action, object (kind and id) and time, paged (`GET /api/audit`). The filters
 * live in the URL, so a view can be bookmarked or linked to; each entry links to the object's
 * page where it has one and shows its summary (secrets are redacted by the core).
 */
@Component({
  selector: 'p-audit',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, FormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, MatPaginatorModule, MatProgressBarModule, MatSelectModule, RouterLink],
  template: `
    <section class="p-page">
      <h1 class="p-page-title">Audit trail</h1>
      <p class="p-muted help">
        Every change made through the console, the API or an API token, newest first: who, what, to which object, when. Passwords, tokens and
        other secrets are never recorded.
      </p>
      @if (!auth.canConfigure()) {
        <p class="p-error-banner" role="alert">Only administrators can read the audit trail.</p>
      } @else {
        <div class="filters" role="search" aria-label="Filter the audit trail">
          <mat-form-field subscriptSizing="dynamic">
            <mat-label>Time</mat-label>
            <mat-select [value]="filters().range" (valueChange)="set('range', $event)">
              @for (r of ranges; track r.id) {
                <mat-option [value]="r.id">{{ r.label }}</mat-option>
              }
            </mat-select>
          </mat-form-field>
          @if (filters().range === 'custom') {
            <mat-form-field subscriptSizing="dynamic">
              <mat-label>From</mat-label>
              <input matInput type="datetime-local" [ngModel]="filters().from" (ngModelChange)="set('from', $event)" />
            </mat-form-field>
            <mat-form-field subscriptSizing="dynamic">
              <mat-label>To</mat-label>
              <input matInput type="datetime-local" [ngModel]="filters().to" (ngModelChange)="set('to', $event)" />
            </mat-form-field>
          }
          <mat-form-field subscriptSizing="dynamic">
            <mat-label>User</mat-label>
            <input matInput name="user" autocomplete="off" maxlength="128" [value]="filters().user" (change)="set('user', $any($event.target).value)" />
            <mat-hint>The exact user name</mat-hint>
          </mat-form-field>
          <mat-form-field subscriptSizing="dynamic">
            <mat-label>Action</mat-label>
            <input matInput name="action" autocomplete="off" maxlength="128" [value]="filters().action" (change)="set('action', $any($event.target).value)" />
            <mat-hint>Starts with, e.g. hosts. or auth.login</mat-hint>
          </mat-form-field>
          <mat-form-field subscriptSizing="dynamic">
            <mat-label>Object kind</mat-label>
            <mat-select [value]="filters().kind" (valueChange)="set('kind', $event)">
              <mat-option value="">Any kind</mat-option>
              @for (k of kinds(); track k) {
                <mat-option [value]="k">{{ k }}</mat-option>
              }
            </mat-select>
          </mat-form-field>
          <mat-form-field subscriptSizing="dynamic">
            <mat-label>Object id</mat-label>
            <input matInput name="objectId" autocomplete="off" maxlength="64" [value]="filters().id" (change)="set('id', $any($event.target).value)" />
            <mat-hint>A number, a plugin id or a key fingerprint</mat-hint>
          </mat-form-field>
          <button mat-stroked-button type="button" (click)="refresh()">Refresh</button>
        </div>

        @if (error(); as text) {
          <p class="p-error-banner" role="alert">{{ text }}</p>
        }
        <div class="progress">
          @if (loading()) {
            <mat-progress-bar mode="indeterminate" />
          }
        </div>

        @if (!loading() && items().length === 0 && !error()) {
          <p class="p-muted empty">No changes match.</p>
        } @else if (items().length > 0) {
          <ul class="entries">
            @for (e of items(); track e.id) {
              <li data-testid="audit-entry" [attr.data-action]="e.action">
                <div class="line">
                  <span class="time">{{ e.time | date: 'yyyy-MM-dd HH:mm:ss' }}</span>
                  <button mat-button type="button" class="user" [title]="'Only ' + e.userName + '’s changes'" (click)="set('user', e.userName)">{{ e.userName }}</button>
                  <code class="action">{{ e.action }}</code>
                  <span class="object">
                    <span class="p-muted">{{ e.targetKind }}</span>
                    @if (e.targetId !== null) {
                      @if (link(e); as path) {
                        <a [routerLink]="path">{{ e.targetId }}</a>
                      } @else {
                        <span class="id">{{ e.targetId }}</span>
                      }
                      <button mat-button type="button" class="history" (click)="only(e)">History</button>
                    }
                  </span>
                </div>
                @if (summary(e); as text) {
                  <details>
                    <summary>Details</summary>
                    <pre>{{ text }}</pre>
                  </details>
                }
              </li>
            }
          </ul>
        }
        <mat-paginator [length]="total()" [pageIndex]="pageIndex()" [pageSize]="pageSize()" [pageSizeOptions]="[25, 50, 100, 200]" (page)="onPage($event)" aria-label="Pages of the audit trail" />
      }
    </section>
  `,
  styles: `
    .help { max-width: 72ch; }
    .filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: flex-start; margin-bottom: 8px; }
    .filters mat-form-field { width: 12rem; max-width: calc(50% - 6px); }
    .filters button { margin-top: 8px; }
    .entries { list-style: none; padding: 0; margin: 0; }
    .entries li { border-bottom: 1px solid var(--mat-sys-outline-variant); padding: 6px 0; }
    .line { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; }
    .time { font-variant-numeric: tabular-nums; }
    .user { min-width: 0; padding: 0 4px; }
    .action { font-size: 0.875rem; }
    .object { display: inline-flex; gap: 6px; align-items: center; overflow-wrap: anywhere; min-width: 0; }
    .id { font-family: monospace; font-size: 0.8125rem; }
    .history { min-width: 0; padding: 0 4px; }
    pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.8125rem; margin: 4px 0; background: var(--mat-sys-surface-container); padding: 8px; border-radius: 4px; }
    details summary { cursor: pointer; color: var(--mat-sys-on-surface-variant); }
    .progress { height: 4px; }
  `,
})
export class AuditComponent {
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  protected readonly auth = inject(AuthService);
  protected readonly ranges = AUDIT_RANGES;
  protected readonly filters = signal<AuditFilters>(auditFiltersFromQuery((key) => this.route.snapshot.queryParamMap.get(key)));
  /** The known kinds, and the one in the URL if the core recorded another. */
  protected readonly kinds = computed(() => {
    const kind = this.filters().kind;
    return kind && !(AUDIT_KINDS as readonly string[]).includes(kind) ? [...AUDIT_KINDS, kind] : AUDIT_KINDS;
  });
  protected readonly pageIndex = signal(0);
  protected readonly pageSize = signal(50);
  private readonly list = new PagedLoader<AuditEntry, Query>((query) => this.api.get<PageOf<AuditEntry>>('audit', query));
  protected readonly items = this.list.items;
  protected readonly total = this.list.total;
  protected readonly loading = this.list.loading;
  protected readonly error = this.list.error;
  protected readonly summary = (e: AuditEntry) => summaryText(e.summary);
  protected readonly link = (e: AuditEntry) => objectLink(e.targetKind, e.targetId);
  private readonly query = computed(() => auditQuery(this.filters(), this.pageIndex(), this.pageSize(), Date.now()));

  constructor() {
    effect(() => {
      const query = this.query();
      if (!this.auth.canConfigure()) return;
      untracked(() => this.load(query));
    });
    // Back and forward between filtered views: the URL is the truth.
    this.route.queryParamMap.pipe(takeUntilDestroyed()).subscribe((params) => {
      const next = auditFiltersFromQuery((key) => params.get(key));
      if (JSON.stringify(auditFiltersToQuery(next)) !== JSON.stringify(auditFiltersToQuery(this.filters()))) this.filters.set(next);
    });
  }

  /** Changes one filter, goes back to the first page and writes the URL. */
  protected set<K extends keyof AuditFilters>(key: K, value: AuditFilters[K]): void {
    this.pageIndex.set(0);
    this.filters.update((f) => ({ ...f, [key]: value }));
    void this.router.navigate([], { relativeTo: this.route, queryParams: auditFiltersToQuery(this.filters()), replaceUrl: true });
  }

  /** Every change of one object, whoever made it. */
  protected only(e: AuditEntry): void {
    this.pageIndex.set(0);
    this.filters.update((f) => ({ ...f, user: '', action: '', kind: e.targetKind, id: e.targetId ?? '' }));
    void this.router.navigate([], { relativeTo: this.route, queryParams: auditFiltersToQuery(this.filters()), replaceUrl: true });
  }

  protected onPage(event: PageEvent): void {
    this.pageSize.set(event.pageSize);
    this.pageIndex.set(event.pageIndex);
  }

  protected refresh(): void {
    this.load(auditQuery(this.filters(), this.pageIndex(), this.pageSize(), Date.now()));
  }

  private load(query: Query | { error: string }): void {
    if ('error' in query && typeof query.error === 'string') this.list.refuse(query.error);
    else void this.list.load(query as Query);
  }
}
