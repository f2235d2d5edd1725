import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { describeLimits, schemaFieldMessage, type SchemaForm } from './schema-form';

/**
 * Renders a form built by `createSchemaForm()`: one field per property, its description as
 * help text, required fields marked, limits and default stated. The owner of the form reads
 * the values with `schemaFormValue()` and disables the group for read-only users.
 */
@Component({
  selector: 'p-schema-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatFormFieldModule, MatInputModule, MatSelectModule, MatSlideToggleModule],
  template: `
    <div class="fields" [formGroup]="form().group">
      @for (field of form().fields; track field.key) {
        @switch (field.type) {
          @case ('boolean') {
            <div class="toggle">
              <mat-slide-toggle [formControlName]="field.key">{{ field.label }}</mat-slide-toggle>
              <p class="toggle-hint p-muted">{{ hint(field) }}</p>
            </div>
          }
          @case ('enum') {
            <mat-form-field>
              <mat-label>{{ field.label }}</mat-label>
              <mat-select [formControlName]="field.key" [required]="field.required">
                @if (!field.required) {
                  <mat-option [value]="null">—</mat-option>
                }
                @for (choice of field.choices; track choice.value) {
                  <mat-option [value]="choice.value">{{ choice.label }}</mat-option>
                }
              </mat-select>
              <mat-hint>{{ hint(field) }}</mat-hint>
              <mat-error>{{ message(field.key) }}</mat-error>
            </mat-form-field>
          }
          @case ('string') {
            <mat-form-field>
              <mat-label>{{ field.label }}</mat-label>
              @if (field.multiline) {
                <textarea matInput rows="3" [formControlName]="field.key" [required]="field.required" [placeholder]="field.example ?? ''"></textarea>
              } @else {
                <input
                  matInput
                  [type]="field.secret ? 'password' : 'text'"
                  autocomplete="off"
                  [formControlName]="field.key"
                  [required]="field.required"
                  [placeholder]="field.example ?? ''"
                />
              }
              <mat-hint>{{ hint(field) }}</mat-hint>
              <mat-error>{{ message(field.key) }}</mat-error>
            </mat-form-field>
          }
          @default {
            <mat-form-field>
              <mat-label>{{ field.label }}</mat-label>
              <input
                matInput
                type="number"
                [attr.step]="field.type === 'integer' ? 1 : 'any'"
                [attr.min]="field.minimum ?? null"
                [attr.max]="field.maximum ?? null"
                [formControlName]="field.key"
                [required]="field.required"
                [placeholder]="field.example ?? ''"
              />
              <mat-hint>{{ hint(field) }}</mat-hint>
              <mat-error>{{ message(field.key) }}</mat-error>
            </mat-form-field>
          }
        }
      } @empty {
        <p class="p-muted">{{ emptyText() }}</p>
      }
      @if (form().unsupported.length > 0) {
        <p class="p-muted note">Not editable here, kept as they are: {{ form().unsupported.join(', ') }}.</p>
      }
    </div>
  `,
  styles: `
    .fields { display: flex; flex-direction: column; gap: 4px; }
    mat-form-field { width: 100%; }
    .toggle { margin: 4px 0 12px; }
    .toggle-hint { margin: 2px 0 0; font: var(--mat-sys-body-small); }
    .note { font: var(--mat-sys-body-small); }
  `,
})
export class SchemaFormComponent {
  readonly form = input.required<SchemaForm>();
  readonly emptyText = input('No settings.');

  protected hint(field: SchemaForm['fields'][number]): string {
    const limits = describeLimits(field);
    const text = [field.description, limits ? `(${limits[0]?.toUpperCase()}${limits.slice(1)})` : '', field.required || field.type === 'boolean' ? '' : 'Optional.']
      .filter(Boolean)
      .join(' ');
    return text || (field.required ? 'Required.' : 'Optional.');
  }

  protected message(key: string): string | undefined {
    const control = this.form().group.controls[key];
    return control ? schemaFieldMessage(control) : undefined;
  }
}
