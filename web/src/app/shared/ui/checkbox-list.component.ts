import { ChangeDetectionStrategy, Component, computed, forwardRef, input, signal } from '@angular/core';
import { NG_VALUE_ACCESSOR, type ControlValueAccessor } from '@angular/forms';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { IconComponent } from './icon.component';
import { filterOptions, inOptionOrder, type Option } from './options';

let nextId = 0;

/**
 * A searchable list of checkboxes bound to a form control whose value is the array of chosen
 * ids (`formControlName="hostIds"`). Chosen entries stay chosen while the search hides them;
 * the heading counts them. Used wherever a form picks members from a list that can grow long.
 */
@Component({
  selector: 'p-checkbox-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatCheckboxModule, MatFormFieldModule, MatInputModule, IconComponent],
  providers: [{ provide: NG_VALUE_ACCESSOR, useExisting: forwardRef(() => CheckboxListComponent), multi: true }],
  template: `
    <fieldset class="box" [class.invalid]="!!error()" [attr.aria-describedby]="hintId">
      <legend>{{ label() }} <span class="count p-muted">({{ value().length }} of {{ options().length }} chosen)</span></legend>
      @if (options().length > searchFrom()) {
        <mat-form-field class="search" subscriptSizing="dynamic">
          <mat-label>Search {{ label().toLowerCase() }}</mat-label>
          <p-icon matPrefix name="search" class="search-icon" />
          <input matInput type="search" autocomplete="off" [value]="query()" (input)="query.set($any($event.target).value)" />
        </mat-form-field>
      }
      <div class="items" role="group" [attr.aria-label]="label()">
        @for (option of shown(); track option.id) {
          <mat-checkbox [checked]="chosen().has(option.id)" [disabled]="disabled()" (change)="toggle(option.id, $event.checked)">
            {{ option.label }}
            @if (option.hint) {
              <span class="hint p-muted">{{ option.hint }}</span>
            }
          </mat-checkbox>
        } @empty {
          <p class="p-muted empty">{{ options().length === 0 ? emptyText() : 'Nothing matches “' + query() + '”.' }}</p>
        }
      </div>
      @if (error(); as message) {
        <p class="error" role="alert">{{ message }}</p>
      } @else {
        <p class="help p-muted" [id]="hintId">{{ help() }}</p>
      }
    </fieldset>
  `,
  styles: `
    :host { display: block; margin: 4px 0 12px; }
    .box { border: 1px solid var(--mat-sys-outline-variant); border-radius: 4px; padding: 4px 12px 8px; margin: 0; min-width: 0; }
    .box.invalid { border-color: var(--mat-sys-error); }
    legend { padding: 0 4px; font: var(--mat-sys-body-large); }
    .count { font: var(--mat-sys-body-small); }
    .search { width: 100%; margin: 4px 0; }
    .search-icon { margin: 0 4px 0 12px; opacity: 0.7; }
    .items { max-height: 240px; overflow-y: auto; display: flex; flex-direction: column; }
    .hint { margin-left: 6px; font: var(--mat-sys-body-small); }
    .empty { margin: 8px 0; }
    .help, .error { margin: 4px 0 0; font: var(--mat-sys-body-small); }
    .error { color: var(--mat-sys-error); }
  `,
})
export class CheckboxListComponent<K extends string | number = string | number> implements ControlValueAccessor {
  readonly label = input.required<string>();
  readonly options = input.required<readonly Option<K>[]>();
  /** Help text under the list. */
  readonly help = input('');
  /** Message shown instead of the help text (an API error about this field, say). */
  readonly error = input<string | undefined>(undefined);
  readonly emptyText = input('Nothing to choose from yet.');
  /** Show the search box once there are more options than this. */
  readonly searchFrom = input(6);

  protected readonly hintId = `p-checkbox-list-${nextId++}`;
  protected readonly query = signal('');
  protected readonly value = signal<readonly K[]>([]);
  protected readonly disabled = signal(false);
  protected readonly chosen = computed(() => new Set(this.value()));
  protected readonly shown = computed(() => filterOptions(this.options(), this.query()));

  private onChange: (value: K[]) => void = () => undefined;
  private onTouched: () => void = () => undefined;

  writeValue(value: readonly K[] | null): void {
    this.value.set(value ?? []);
  }
  registerOnChange(fn: (value: K[]) => void): void {
    this.onChange = fn;
  }
  registerOnTouched(fn: () => void): void {
    this.onTouched = fn;
  }
  setDisabledState(disabled: boolean): void {
    this.disabled.set(disabled);
  }

  protected toggle(id: K, checked: boolean): void {
    const rest = this.value().filter((v) => v !== id);
    const next = inOptionOrder(this.options(), checked ? [...rest, id] : rest);
    this.value.set(next);
    this.onChange(next);
    this.onTouched();
  }
}
