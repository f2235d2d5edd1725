import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { Check, Host, HostGroup, Plugin } from '../../core/protocol';
import { CheckboxListComponent } from '../../shared/ui/checkbox-list.component';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { applyApiError, fieldMessage } from '../../shared/ui/form-errors';
import { loadAll } from '../../shared/ui/load-all';
import type { Option } from '../../shared/ui/options';
import { createSchemaForm, type SchemaForm } from '../../shared/ui/schema-form';
import { SchemaFormComponent } from '../../shared/ui/schema-form.component';
import { checkInput, createCheckForm } from './check-form';
import { pluginParameters } from './plugin-parameters';

/**
 * Add and edit a check (`/checks/new`, `/checks/:id`): hosts and groups × plugins, each chosen
 * plugin with a parameter form generated from its manifest's `parameters` schema.
 */
@Component({
  selector: 'p-check-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    RouterLink,
    CheckboxListComponent,
    SchemaFormComponent,
  ],
  template: `
    <section class="p-page">
      <p><a routerLink="/checks">← Checks</a></p>
      <h1 class="p-page-title">{{ editing() ? (check()?.name ?? 'Check') : 'Add check' }}</h1>
      @if (loading()) {
        <mat-progress-bar mode="indeterminate" />
      }
      @if (error(); as text) {
        <p class="p-error-banner" role="alert">{{ text }}</p>
      }
      <form class="p-form" [formGroup]="form" (ngSubmit)="save()" novalidate>
        <mat-form-field>
          <mat-label>Name</mat-label>
          <input matInput formControlName="name" required autocomplete="off" />
          <mat-hint>How the check appears in schedules and reports, e.g. <em>disk space</em>. Must be unique.</mat-hint>
          <mat-error>{{ message(form.controls.name) }}</mat-error>
        </mat-form-field>
        <mat-form-field>
          <mat-label>Description</mat-label>
          <textarea matInput formControlName="description" rows="2"></textarea>
          <mat-hint>Optional: what this check watches and why.</mat-hint>
          <mat-error>{{ message(form.controls.description) }}</mat-error>
        </mat-form-field>
        <p-checkbox-list
          label="Hosts"
          formControlName="hostIds"
          [options]="hostOptions()"
          help="The check runs on these hosts."
          emptyText="No hosts yet."
          [error]="message(form.controls.hostIds)"
        />
        <p-checkbox-list
          label="Host groups"
          formControlName="groupIds"
          [options]="groupOptions()"
          help="…and on every host of these groups, nested groups included, as they change."
          emptyText="No host groups yet."
          [error]="message(form.controls.groupIds)"
        />
        <p-checkbox-list
          label="Plugins"
          formControlName="pluginIds"
          [options]="pluginOptions()"
          help="What to measure. Each plugin chosen gets its own parameters below."
          emptyText="No plugins installed yet. Install one from the marketplace or upload a bundle."
          [error]="message(form.controls.pluginIds)"
        />
        @for (pluginId of chosenPlugins(); track pluginId) {
          <mat-card appearance="outlined" class="params">
            <mat-card-header>
              <mat-card-title>{{ pluginName(pluginId) }}</mat-card-title>
              <mat-card-subtitle>{{ pluginId }} · parameters</mat-card-subtitle>
            </mat-card-header>
            <mat-card-content>
              @if (paramForms().get(pluginId); as params) {
                <p-schema-form [form]="params" emptyText="This plugin takes no parameters." />
              } @else {
                <p class="p-muted">The API does not describe this plugin's parameters, so they cannot be edited here. Saving keeps the values the check already has.</p>
              }
            </mat-card-content>
          </mat-card>
        }
        @if (auth.canConfigure()) {
          <div class="p-form-actions">
            <button mat-flat-button type="submit" [disabled]="busy()">{{ editing() ? 'Save' : 'Add check' }}</button>
            <a mat-button routerLink="/checks">Cancel</a>
            @if (check()) {
              <button mat-button type="button" class="danger" (click)="remove()">Delete check</button>
            }
          </div>
        } @else {
          <p class="p-muted">Your role can view checks but not change them.</p>
        }
      </form>
    </section>
  `,
  styles: `
    .params { margin: 0 0 16px; }
    .params mat-card-content { padding-top: 12px; }
    .danger { margin-left: auto; --mat-button-text-label-text-color: var(--mat-sys-error); }
  `,
})
export class CheckFormComponent {
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);
  private readonly confirm = inject(ConfirmService);
  protected readonly auth = inject(AuthService);

  /** Route parameter; absent on `/checks/new`. */
  readonly id = input<string>();

  protected readonly form = createCheckForm();
  protected readonly check = signal<Check | undefined>(undefined);
  protected readonly hosts = signal<readonly Host[]>([]);
  protected readonly groups = signal<readonly HostGroup[]>([]);
  protected readonly plugins = signal<readonly Plugin[]>([]);
  protected readonly loading = signal(false);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly editing = computed(() => this.id() !== undefined);
  protected readonly message = fieldMessage;

  protected readonly chosenPlugins = toSignal(this.form.controls.pluginIds.valueChanges, { initialValue: [] as string[] });
  /** One generated form per chosen plugin whose schema the API gave; kept while the plugin stays chosen. */
  protected readonly paramForms = signal<ReadonlyMap<string, SchemaForm>>(new Map());
  /** Parameters as loaded, to start the forms from and to keep when a schema is unknown. */
  private previous = new Map<string, Record<string, unknown>>();

  protected readonly hostOptions = computed<Option<number>[]>(() => this.hosts().map((h) => ({ id: h.id, label: h.name, hint: h.description || undefined })));
  protected readonly groupOptions = computed<Option<number>[]>(() => this.groups().map((g) => ({ id: g.id, label: g.name, hint: g.description || undefined })));
  protected readonly pluginOptions = computed<Option<string>[]>(() => this.plugins().map((p) => ({ id: p.pluginId, label: p.name, hint: p.pluginId })));

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => void this.load(id));
    });
    effect(() => {
      const canConfigure = this.auth.canConfigure();
      untracked(() => {
        for (const group of [this.form, ...[...this.paramForms().values()].map((f) => f.group)]) {
          if (canConfigure) group.enable();
          else group.disable();
        }
      });
    });
    // Build a parameter form for each newly chosen plugin; drop those of plugins unticked.
    effect(() => {
      const chosen = this.chosenPlugins();
      const plugins = this.plugins();
      untracked(() => {
        const current = this.paramForms();
        const next = new Map<string, SchemaForm>();
        for (const pluginId of chosen) {
          const existing = current.get(pluginId);
          if (existing) {
            next.set(pluginId, existing);
            continue;
          }
          const plugin = plugins.find((p) => p.pluginId === pluginId);
          const schema = plugin && pluginParameters(plugin);
          if (!schema) continue;
          const params = createSchemaForm(schema, this.previous.get(pluginId));
          if (!this.auth.canConfigure()) params.group.disable();
          next.set(pluginId, params);
        }
        this.paramForms.set(next);
      });
    });
  }

  protected pluginName(pluginId: string): string {
    return this.plugins().find((p) => p.pluginId === pluginId)?.name ?? pluginId;
  }

  protected async save(): Promise<void> {
    this.form.markAllAsTouched();
    const params = [...this.paramForms().values()];
    for (const p of params) p.group.markAllAsTouched();
    if (this.form.invalid || params.some((p) => p.group.invalid) || this.busy()) {
      if (params.some((p) => p.group.invalid)) this.error.set('Some plugin parameters need attention (marked below).');
      return;
    }
    this.busy.set(true);
    this.error.set(undefined);
    try {
      const body = checkInput(this.form, this.paramForms(), this.previous);
      const id = this.id();
      if (id === undefined) await this.api.post<Check>('checks', body);
      else await this.api.put<Check>(`checks/${encodeURIComponent(id)}`, body);
      this.form.markAsPristine();
      await this.router.navigate(['/checks']);
    } catch (err) {
      // `plugins` errors (a missing or duplicate plugin) belong under the plugin list.
      const e = toApiError(err);
      const fields = e.fieldErrors();
      if (fields['plugins']) {
        this.form.controls.pluginIds.setErrors({ server: fields['plugins'] });
        this.error.set(undefined);
      } else {
        this.error.set(applyApiError(this.form, e));
      }
    } finally {
      this.busy.set(false);
    }
  }

  protected async remove(): Promise<void> {
    const check = this.check();
    if (!check) return;
    const ok = await this.confirm.confirm({
      title: 'Delete check?',
      message: `“${check.name}” will be removed from its schedules and alerts; stored results stay. This cannot be undone.`,
      confirmLabel: 'Delete',
    });
    if (!ok) return;
    try {
      await this.api.delete(`checks/${check.id}`);
      await this.router.navigate(['/checks']);
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  private async load(id: string | undefined): Promise<void> {
    this.error.set(undefined);
    this.loading.set(true);
    try {
      const [hosts, groups, plugins, check] = await Promise.all([
        loadAll<Host>(this.api, 'hosts'),
        loadAll<HostGroup>(this.api, 'groups'),
        loadAll<Plugin>(this.api, 'plugins'),
        id === undefined ? Promise.resolve(undefined) : this.api.get<Check>(`checks/${encodeURIComponent(id)}`),
      ]);
      this.previous = new Map(check?.plugins.map((p) => [p.pluginId, p.params]) ?? []);
      this.paramForms.set(new Map());
      this.hosts.set(hosts);
      this.groups.set(groups);
      this.plugins.set(plugins);
      this.check.set(check);
      // A new object: keep what the user typed while the lists were loading (the e2e suite found
      // that the late reset wiped it); an existing one is loaded into the form as it is.
      if (check !== undefined || !this.form.dirty) this.form.reset(createCheckForm(check).getRawValue());
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loading.set(false);
    }
  }
}
