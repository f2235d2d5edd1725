import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ReactiveFormsModule } from '@angular/forms';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { AuthService } from '../../core/auth.service';
import type { Check, CheckInput, Host, HostGroup, Plugin } from '../../core/protocol';
import { CheckboxListComponent } from '../../shared/ui/checkbox-list.component';
import { applyApiError, fieldMessage } from '../../shared/ui/form-errors';
import { FormActionsComponent } from '../../shared/ui/form-actions.component';
import { FormHeaderComponent } from '../../shared/ui/form-header.component';
import { createFormStore } from '../../shared/ui/form-store';
import { loadAll } from '../../shared/ui/load-all';
import { describedOptions, type Option } from '../../shared/ui/options';
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
  imports: [ReactiveFormsModule, MatCardModule, MatFormFieldModule, MatInputModule, CheckboxListComponent, FormActionsComponent, FormHeaderComponent, SchemaFormComponent],
  template: `
    <section class="p-page">
      <p-form-header [store]="store" />
      <form class="p-form" [formGroup]="form" (ngSubmit)="store.save()" novalidate>
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
        <fieldset class="flap">
          <legend>Flap detection</legend>
          <p class="p-muted">A state that changes too often is flapping: its alerts get one notice when it starts and one when it stops. Leave both empty to use the global thresholds of the settings page.</p>
          <mat-form-field>
            <mat-label>Stops flapping at (%)</mat-label>
            <input matInput type="number" min="0" max="100" step="any" formControlName="flapLowPercent" />
            <mat-hint>Weighted percent of state changes over the last 21 results.</mat-hint>
            <mat-error>{{ message(form.controls.flapLowPercent) }}</mat-error>
          </mat-form-field>
          <mat-form-field>
            <mat-label>Starts flapping at (%)</mat-label>
            <input matInput type="number" min="0" max="100" step="any" formControlName="flapHighPercent" />
            <mat-hint>Not below the stop threshold.</mat-hint>
            <mat-error>{{ message(form.controls.flapHighPercent) }}</mat-error>
          </mat-form-field>
        </fieldset>
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
        <p-form-actions [store]="store" />
      </form>
    </section>
  `,
  styles: `
    .params { margin: 0 0 16px; }
    .flap { border: none; padding: 0; margin: 0 0 16px; display: flex; flex-wrap: wrap; gap: 0 1rem; }
    .flap legend { font-weight: 500; margin-bottom: 0.25rem; }
    .flap p { flex-basis: 100%; margin: 0 0 0.5rem; }
    .params mat-card-content { padding-top: 12px; }
  `,
})
export class CheckFormComponent {
  private readonly auth = inject(AuthService);

  /** Route parameter; absent on `/checks/new`. */
  readonly id = input<string>();

  protected readonly form = createCheckForm();
  protected readonly hosts = signal<readonly Host[]>([]);
  protected readonly groups = signal<readonly HostGroup[]>([]);
  protected readonly plugins = signal<readonly Plugin[]>([]);
  protected readonly message = fieldMessage;

  protected readonly chosenPlugins = toSignal(this.form.controls.pluginIds.valueChanges, { initialValue: [] as string[] });
  /** One generated form per chosen plugin whose schema the API gave; kept while the plugin stays chosen. */
  protected readonly paramForms = signal<ReadonlyMap<string, SchemaForm>>(new Map());
  /** Parameters as loaded, to start the forms from and to keep when a schema is unknown. */
  private previous = new Map<string, Record<string, unknown>>();

  protected readonly store = createFormStore<Check, CheckInput, [Host[], HostGroup[], Plugin[]]>({
    id: this.id,
    form: this.form,
    resource: 'checks',
    back: '/checks',
    noun: 'check',
    lists: (api) => Promise.all([loadAll<Host>(api, 'hosts'), loadAll<HostGroup>(api, 'groups'), loadAll<Plugin>(api, 'plugins')]),
    reset: (check) => this.form.reset(createCheckForm(check).getRawValue()),
    loaded: (check, [hosts, groups, plugins]) => {
      this.previous = new Map(check?.plugins.map((p) => [p.pluginId, p.params]) ?? []);
      this.paramForms.set(new Map());
      this.hosts.set(hosts);
      this.groups.set(groups);
      this.plugins.set(plugins);
    },
    subforms: () => [...this.paramForms().values()].map((f) => f.group),
    blocked: () => {
      const params = [...this.paramForms().values()];
      for (const p of params) p.group.markAllAsTouched();
      const invalid = params.some((p) => p.group.invalid);
      if (invalid) this.store.error.set('Some plugin parameters need attention (marked below).');
      return invalid;
    },
    body: () => checkInput(this.form, this.paramForms(), this.previous),
    refused: (e) => {
      // `plugins` errors (a missing or duplicate plugin) belong under the plugin list.
      const plugins = e.fieldErrors()['plugins'];
      if (!plugins) return applyApiError(this.form, e);
      this.form.controls.pluginIds.setErrors({ server: plugins });
      return undefined;
    },
    deleteMessage: (check) => `“${check.name}” will be removed from its schedules and alerts; stored results stay. This cannot be undone.`,
  });

  protected readonly hostOptions = computed(() => describedOptions(this.hosts()));
  protected readonly groupOptions = computed(() => describedOptions(this.groups()));
  protected readonly pluginOptions = computed<Option<string>[]>(() => this.plugins().map((p) => ({ id: p.pluginId, label: p.name, hint: p.pluginId })));

  constructor() {
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
}
