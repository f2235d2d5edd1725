import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { Alert, AlertInput, AlertTestRequest, AlertTestResult, Check, Host, HostGroup, Plugin, Service } from '../../core/protocol';
import { applyApiError, fieldMessage } from '../../shared/ui/form-errors';
import { FormActionsComponent } from '../../shared/ui/form-actions.component';
import { FormHeaderComponent } from '../../shared/ui/form-header.component';
import { createFormStore } from '../../shared/ui/form-store';
import { IconComponent } from '../../shared/ui/icon.component';
import { loadAll } from '../../shared/ui/load-all';
import { isMissingRoute } from '../../shared/ui/missing-route';
import type { Option } from '../../shared/ui/options';
import { PickerService } from '../../shared/ui/picker-dialog.component';
import { createSchemaForm, schemaFormValue, type SchemaForm } from '../../shared/ui/schema-form';
import { SchemaFormComponent } from '../../shared/ui/schema-form.component';
import { SeverityChipsComponent } from '../../shared/ui/severity-chips.component';
import { alertInput, createAlertForm, createStepForm, NO_SCOPES, placeStepError, type AlertScopes, type EscalationStepForm } from './alert-form';
import { ALERT_MODULES, alertModule, mergeAlertModules, WEBHOOK_PRESETS, type AlertModule, type WebhookPreset } from './alert-modules';

type ScopeKey = keyof AlertScopes;

interface ScopeKind {
  key: ScopeKey;
  label: string;
  noun: string;
}

const SCOPE_KINDS: readonly ScopeKind[] = [
  { key: 'hostIds', label: 'Hosts', noun: 'hosts' },
  { key: 'groupIds', label: 'Host groups', noun: 'host groups' },
  { key: 'serviceIds', label: 'Services', noun: 'services' },
  { key: 'pluginIds', label: 'Plugins', noun: 'plugins' },
  { key: 'checkIds', label: 'Checks', noun: 'checks' },
];

/**
 * Add and edit an alert (`/alerts/new`, `/alerts/:id`): which transitions (from-states →
 * to-states, chips in protocol order), where (scopes chosen through pickers), and how (a
 * module and its settings form).
 */
@Component({
  selector: 'p-alert-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatSlideToggleModule,
    FormActionsComponent,
    FormHeaderComponent,
    IconComponent,
    SchemaFormComponent,
    SeverityChipsComponent,
  ],
  templateUrl: './alert-form.component.html',
  styleUrl: './alert-form.component.scss',
})
export class AlertFormComponent {
  private readonly api = inject(ApiService);
  private readonly picker = inject(PickerService);
  protected readonly auth = inject(AuthService);

  /** Route parameter; absent on `/alerts/new`. */
  readonly id = input<string>();

  protected readonly form = createAlertForm();
  protected readonly scopes = signal<AlertScopes>(NO_SCOPES);
  protected readonly settingsForm = signal<SchemaForm | undefined>(undefined);
  /** Escalation steps being edited, in order (docs/alerts.md, "Repeat and escalation"). */
  protected readonly steps = signal<readonly EscalationStepForm[]>([]);
  protected readonly example = signal<WebhookPreset | undefined>(undefined);
  protected readonly scopeError = signal<string | undefined>(undefined);
  protected readonly message = fieldMessage;
  /** The console's proposal until the core describes its modules (see {@link loadModules}). */
  protected readonly modules = signal<readonly AlertModule[]>(ALERT_MODULES);
  /** Outcome of the last Test: `ok` or the reason it failed. */
  protected readonly testResult = signal<{ ok: boolean; text: string } | undefined>(undefined);
  protected readonly testing = signal(false);
  protected readonly canTest = signal(true);
  private modulesAsked = false;
  protected readonly presets = WEBHOOK_PRESETS;
  protected readonly scopeKinds = SCOPE_KINDS;

  protected readonly moduleId = toSignal(this.form.controls.module.valueChanges, { initialValue: this.form.controls.module.value });
  protected readonly module = computed(() => alertModule(this.moduleId(), this.modules()));
  protected readonly scopeCount = computed(() => Object.values(this.scopes()).reduce((n, list) => n + list.length, 0));

  private readonly options = signal<Readonly<Record<ScopeKey, readonly Option[]>>>({ hostIds: [], groupIds: [], serviceIds: [], pluginIds: [], checkIds: [] });
  /** Settings as loaded, for a module the console has no form for and to start the form from. */
  private loadedSettings: Record<string, unknown> = {};
  /** The module the current settings form was built for. */
  private settingsModule: string | undefined;

  protected readonly store = createFormStore<Alert, AlertInput, [Host[], HostGroup[], Service[], Plugin[], Check[]]>({
    id: this.id,
    form: this.form,
    resource: 'alerts',
    back: '/alerts',
    noun: 'alert',
    lists: (api) =>
      Promise.all([
        loadAll<Host>(api, 'hosts'),
        loadAll<HostGroup>(api, 'groups'),
        loadAll<Service>(api, 'services'),
        loadAll<Plugin>(api, 'plugins'),
        loadAll<Check>(api, 'checks'),
      ]),
    // Resetting the module re-runs the settings effect with the loaded settings.
    reset: (alert) => this.form.reset(createAlertForm(alert).getRawValue()),
    loaded: (alert, [hosts, groups, services, plugins, checks]) => {
      const named = (list: readonly { id: number; name: string }[]) => list.map((x) => ({ id: x.id, label: x.name }));
      this.options.set({
        hostIds: named(hosts),
        groupIds: named(groups),
        serviceIds: named(services),
        pluginIds: plugins.map((p) => ({ id: p.pluginId, label: p.name, hint: p.pluginId })),
        checkIds: named(checks),
      });
      this.loadedSettings = alert?.settings ?? {};
      this.scopes.set(alert?.scopes ?? NO_SCOPES);
      const module = alertModule(this.form.controls.module.value, this.modules());
      this.settingsModule = module?.id;
      this.settingsForm.set(module ? createSchemaForm(module.settings, this.loadedSettings) : undefined);
      this.steps.set((alert?.escalations ?? []).map((step) => this.stepForm(step)));
    },
    subforms: () => [this.settingsForm()?.group, ...this.steps().flatMap((s) => [s.group, s.settings?.group])],
    blocked: () => {
      const settings = this.settingsForm();
      settings?.group.markAllAsTouched();
      for (const s of this.steps()) {
        s.group.markAllAsTouched();
        s.settings?.group.markAllAsTouched();
      }
      return (settings?.group.invalid ?? false) || this.steps().some((s) => s.group.invalid || (s.settings?.group.invalid ?? false));
    },
    body: () => {
      if (this.scopeCount() === 0) {
        this.scopeError.set('Choose at least one scope: an alert without scopes matches nothing.');
        return undefined;
      }
      const settings = this.settingsForm();
      return alertInput(this.form, this.scopes(), settings ? schemaFormValue(settings) : this.loadedSettings, this.steps());
    },
    refused: (e) => {
      const field = String((e.details as { field?: unknown } | undefined)?.field ?? '');
      // A step's refusal (an e-mail step without recipients: `escalations.0.settings.to`) goes to that step's field.
      if (field.startsWith('escalations.') && placeStepError(this.steps(), field, e.message)) return undefined;
      if (!field.startsWith('scopes')) return applyApiError(this.form, e);
      this.scopeError.set(e.message);
      return undefined;
    },
    deleteMessage: (alert) => `“${alert.name}” will no longer send anything. This cannot be undone.`,
  });

  constructor() {
    // A new module gets a fresh settings form; the loaded module starts from the loaded settings.
    effect(() => {
      const module = this.module();
      untracked(() => {
        const loaded = this.store.item();
        const previous = this.settingsForm();
        // The same module with a newer schema (the core's) keeps what was typed.
        const values =
          previous && this.settingsModule === module?.id ? schemaFormValue(previous) : loaded && loaded.module === module?.id ? this.loadedSettings : {};
        this.settingsModule = module?.id;
        const form = module ? createSchemaForm(module.settings, values) : undefined;
        if (form && !this.auth.canConfigure()) form.group.disable();
        this.settingsForm.set(form);
        this.example.set(undefined);
      });
    });
  }

  /** A step's form; a change of its module gives it that module's settings form. */
  private stepForm(step: Parameters<typeof createStepForm>[0]): EscalationStepForm {
    const form = createStepForm(step, this.modules());
    if (!this.auth.canConfigure()) {
      form.group.disable();
      form.settings?.group.disable();
    }
    form.group.controls.module.valueChanges.subscribe((id) => {
      const module = alertModule(id, this.modules());
      this.steps.update((steps) => steps.map((s) => (s === form ? Object.assign(form, { settings: module ? createSchemaForm(module.settings, {}) : undefined }) : s)).slice());
    });
    return form;
  }

  protected addStep(): void {
    const last = this.steps().at(-1);
    const after = Number(last?.group.controls.afterMinutes.value ?? 0) + 15;
    this.steps.update((steps) => [...steps, this.stepForm({ afterMinutes: after, module: this.form.controls.module.value })]);
  }

  protected removeStep(step: EscalationStepForm): void {
    this.steps.update((steps) => steps.filter((s) => s !== step));
  }

  protected chosen(kind: ScopeKey): Option[] {
    const ids: readonly (string | number)[] = this.scopes()[kind];
    const byId = new Map(this.options()[kind].map((o) => [o.id, o]));
    return ids.map((id) => byId.get(id) ?? { id, label: String(id) });
  }

  protected async addScope(kind: ScopeKind): Promise<void> {
    const picked = await this.picker.pick({
      title: `Scope: add ${kind.noun}`,
      help: 'The alert fires for transitions of these, or of anything in them.',
      options: this.options()[kind.key],
      exclude: this.scopes()[kind.key],
    });
    if (picked.length === 0) return;
    this.scopes.update((s) => ({ ...s, [kind.key]: [...s[kind.key], ...picked] }));
    this.scopeError.set(undefined);
  }

  protected removeScope(kind: ScopeKey, id: string | number): void {
    this.scopes.update((s) => ({ ...s, [kind]: (s[kind] as readonly (string | number)[]).filter((x) => x !== id) }));
  }

  protected applyPreset(preset: WebhookPreset): void {
    this.settingsForm()?.group.controls['format']?.setValue(preset.format);
    this.example.set(preset);
  }

  /**
   * Asks the core for its modules and their settings schemas (`GET /api/alert-modules`) on the
   * first interaction with the form, so a page that is only looked at makes no extra request.
   * A core without the route (404) or without alerting keeps the console's proposal.
   */
  protected async loadModules(): Promise<void> {
    if (this.modulesAsked || !this.auth.canConfigure()) return;
    this.modulesAsked = true;
    try {
      this.modules.set(mergeAlertModules(await this.api.get<unknown>('alert-modules')));
    } catch {
      // The proposal in alert-modules.ts stays; saving is still checked by the core.
    }
  }

  /**
   * Sends a test alert with the settings and the name as they are on screen (`POST /api/alerts/test`); a
   * core that only tests saved alerts gets `POST /api/alerts/:id/test`. A failed delivery is
   * an answer (`ok: false` and why), shown next to the button.
   */
  protected async test(): Promise<void> {
    const settings = this.settingsForm();
    settings?.group.markAllAsTouched();
    if (settings?.group.invalid || this.testing()) return;
    this.testing.set(true);
    this.testResult.set(undefined);
    const show = (r: AlertTestResult) => this.testResult.set(r.ok ? { ok: true, text: 'Test alert sent.' } : { ok: false, text: `Test failed: ${r.error ?? 'no reason given'}` });
    try {
      // The message names the alert being edited, as typed (issue 21: it said "Test"); a name the
      // API would refuse (empty, too long) is left out and the core says "Test".
      const name = this.form.controls.name;
      const body: AlertTestRequest = {
        module: this.form.controls.module.value,
        settings: settings ? schemaFormValue(settings) : this.loadedSettings,
        ...(name.valid && name.value.trim() !== '' ? { name: name.value.trim() } : {}),
      };
      show(await this.api.post<AlertTestResult>('alerts/test', body));
    } catch (err) {
      const e = toApiError(err);
      const id = this.id();
      if (isMissingRoute(e) && id !== undefined) {
        try {
          show(await this.api.post<AlertTestResult>(`alerts/${encodeURIComponent(id)}/test`, {}));
        } catch (second) {
          const e2 = toApiError(second);
          if (isMissingRoute(e2)) this.canTest.set(false);
          else this.testResult.set({ ok: false, text: e2.message });
        }
      } else if (isMissingRoute(e)) {
        this.canTest.set(false);
      } else {
        this.testResult.set({ ok: false, text: applyApiError(this.form, e) ?? e.message });
      }
    } finally {
      this.testing.set(false);
    }
  }
}
