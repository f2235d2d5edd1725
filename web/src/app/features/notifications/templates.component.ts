import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { RouterLink } from '@angular/router';
import { debounceTime } from 'rxjs';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { AlertTemplateList, AlertTemplatePreview, AlertTemplates } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { applyApiError, fieldMessage } from '../../shared/ui/form-errors';

type Field = 'subject' | 'text' | 'html';

/** How a variable is written in a template: `{{alert.name}}`, or a list's field inside its section. */
export function variableTag(name: string): string {
  const open = '{' + '{';
  const close = '}' + '}';
  const [list, field] = name.split('[].');
  if (field !== undefined) return `${open}#${list}${close}${open}${field}${close}${open}/${list}${close}`;
  // An object or a list: its section.
  if (name.startsWith('#')) return `${open}${name}${close}…${open}/${name.slice(1)}${close}`;
  return `${open}${name}${close}`;
}

/** The body of a preview or save: the fields the module sends (`html` only for e-mail). */
export function templateBody(fields: readonly string[], value: Partial<Record<Field, string | null>>): Record<string, string> {
  const out: Record<string, string> = { subject: value.subject ?? '', text: value.text ?? '' };
  if (fields.includes('html')) out['html'] = value.html ?? '';
  return out;
}

/**
 * Notification templates (`/notifications/templates`, docs/alerts.md "Templates"): per alert
 * module, the Mustache sources of subject, text and (e-mail) HTML body with the variables they may
 * use and a live preview from the API; administrators save or reset them, a template that does
 * not render is shown at its field.
 */
@Component({
  selector: 'p-notification-templates',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, MatSelectModule, RouterLink],
  templateUrl: './templates.component.html',
  styles: `
    .layout { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 24px; align-items: start; }
    @media (max-width: 960px) { .layout { grid-template-columns: minmax(0, 1fr); } }
    mat-form-field { width: 100%; margin-bottom: 8px; }
    textarea { font-family: var(--p-mono, monospace); }
    .preview pre { white-space: pre-wrap; word-break: break-word; background: var(--mat-sys-surface-container); padding: 8px; margin: 4px 0 12px; }
    .preview h2, .preview h3, .variables h2 { font: var(--mat-sys-title-small); margin: 8px 0 4px; }
    .preview-error { color: var(--mat-sys-error); }
    .variables dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; font: var(--mat-sys-body-small); }
    .variables dt { font-family: var(--p-mono, monospace); }
    .variables dd { margin: 0; }
    .actions { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
    .saved { color: var(--mat-sys-primary); }
  `,
})
export class TemplatesComponent {
  private readonly api = inject(ApiService);
  private readonly confirm = inject(ConfirmService);
  protected readonly auth = inject(AuthService);
  protected readonly message = fieldMessage;
  protected readonly tag = variableTag;
  protected readonly list = signal<AlertTemplateList | undefined>(undefined);
  protected readonly module = signal('email');
  protected readonly source = signal<'sample' | 'latest'>('sample');
  protected readonly current = computed<AlertTemplates | undefined>(() => this.list()?.items.find((t) => t.module === this.module()));
  protected readonly preview = signal<AlertTemplatePreview | undefined>(undefined);
  protected readonly previewError = signal<string | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly saved = signal(false);
  protected readonly form = new FormGroup({
    subject: new FormControl('', { nonNullable: true }),
    text: new FormControl('', { nonNullable: true }),
    html: new FormControl('', { nonNullable: true }),
  });
  private generation = 0;

  constructor() {
    effect(() => {
      if (this.auth.canConfigure()) this.form.enable({ emitEvent: false });
      else this.form.disable({ emitEvent: false });
    });
    this.form.valueChanges.pipe(debounceTime(400), takeUntilDestroyed(inject(DestroyRef))).subscribe(() => {
      this.saved.set(false);
      void this.refreshPreview();
    });
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.list.set(await this.api.get<AlertTemplateList>('alert-templates'));
      this.error.set(undefined);
      this.show();
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  /** Puts the selected module's stored templates in the editor and previews them. */
  private show(): void {
    const t = this.current();
    if (!t) return;
    this.form.reset({ subject: t.subject, text: t.text, html: t.html }, { emitEvent: false });
    void this.refreshPreview();
  }

  protected selectModule(module: string): void {
    this.module.set(module);
    this.saved.set(false);
    this.show();
  }

  protected selectSource(source: 'sample' | 'latest'): void {
    this.source.set(source);
    void this.refreshPreview();
  }

  /** Renders the editor's (unsaved) templates through the API; a refusal is shown at its field. */
  protected async refreshPreview(): Promise<void> {
    const t = this.current();
    if (!t) return;
    const generation = ++this.generation;
    try {
      const out = await this.api.post<AlertTemplatePreview>(`alert-templates/${t.module}/preview`, { ...templateBody(t.fields, this.form.getRawValue()), source: this.source() });
      if (generation !== this.generation) return;
      this.preview.set(out);
      this.previewError.set(undefined);
      for (const c of Object.values(this.form.controls)) if (c.hasError('server')) c.setErrors(null);
    } catch (err) {
      if (generation !== this.generation) return;
      this.preview.set(undefined);
      this.previewError.set(applyApiError(this.form, err) ?? 'The preview shows the error at its field.');
    }
  }

  protected async save(): Promise<void> {
    const t = this.current();
    if (!t || this.busy()) return;
    this.busy.set(true);
    try {
      const stored = await this.api.put<AlertTemplates>(`alert-templates/${t.module}`, templateBody(t.fields, this.form.getRawValue()));
      this.replace(stored);
      this.saved.set(true);
      this.error.set(undefined);
    } catch (err) {
      this.error.set(applyApiError(this.form, err));
    } finally {
      this.busy.set(false);
    }
  }

  protected async reset(): Promise<void> {
    const t = this.current();
    if (!t || this.busy()) return;
    if (!(await this.confirm.confirm({ title: `Reset the ${t.label} templates?`, message: 'Notifications go back to the built-in texts.', confirmLabel: 'Reset' }))) return;
    this.busy.set(true);
    try {
      await this.api.delete(`alert-templates/${t.module}`);
      this.replace({ ...t, ...t.defaults, custom: false, updatedAt: null, updatedBy: null });
      this.show();
      this.error.set(undefined);
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }

  private replace(t: AlertTemplates): void {
    const list = this.list();
    if (list) this.list.set({ ...list, items: list.items.map((i) => (i.module === t.module ? t : i)) });
  }
}
