import { ChangeDetectionStrategy, Component, Injectable, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialog, MatDialogModule } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { firstValueFrom } from 'rxjs';
import { IconComponent } from './icon.component';
import { filterOptions, type Option } from './options';

export interface PickerOptions<K extends string | number> {
  title: string;
  /** One sentence under the title saying what the choice does. */
  help?: string;
  options: readonly Option<K>[];
  /** Ids already chosen elsewhere: shown ticked and disabled, so nothing is added twice. */
  exclude?: readonly K[];
  /** Text of the confirming button (default `Add`). */
  confirmLabel?: string;
}

/**
 * A searchable dialog for choosing one or more members (hosts, groups, services…). Fits a
 * phone: full width minus a margin, the list scrolls inside.
 */
@Component({
  selector: 'p-picker-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatCheckboxModule, MatDialogModule, MatFormFieldModule, MatInputModule, IconComponent],
  template: `
    <h2 mat-dialog-title>{{ data.title }}</h2>
    <mat-dialog-content>
      @if (data.help) {
        <p class="p-muted help">{{ data.help }}</p>
      }
      <mat-form-field class="search" subscriptSizing="dynamic">
        <mat-label>Search</mat-label>
        <p-icon matPrefix name="search" class="search-icon" />
        <input matInput type="search" autocomplete="off" cdkFocusInitial (input)="query.set($any($event.target).value)" />
      </mat-form-field>
      <div class="items" role="group" [attr.aria-label]="data.title">
        @for (option of shown(); track option.id) {
          <mat-checkbox [checked]="excluded.has(option.id) || picked().has(option.id)" [disabled]="excluded.has(option.id)" (change)="toggle(option.id, $event.checked)">
            {{ option.label }}
            @if (option.hint) {
              <span class="hint p-muted">{{ option.hint }}</span>
            }
          </mat-checkbox>
        } @empty {
          <p class="p-muted">{{ data.options.length === 0 ? 'Nothing to choose from yet.' : 'Nothing matches.' }}</p>
        }
      </div>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button [mat-dialog-close]="[]">Cancel</button>
      <button mat-flat-button [disabled]="picked().size === 0" [mat-dialog-close]="result()">
        {{ data.confirmLabel ?? 'Add' }}{{ picked().size > 1 ? ' ' + picked().size : '' }}
      </button>
    </mat-dialog-actions>
  `,
  styles: `
    .help { margin: 0 0 8px; }
    .search { width: 100%; }
    .search-icon { margin: 0 8px 0 12px; opacity: 0.7; }
    .items { display: flex; flex-direction: column; max-height: 50vh; overflow-y: auto; }
    .hint { margin-left: 6px; font: var(--mat-sys-body-small); }
  `,
})
class PickerDialogComponent<K extends string | number> {
  protected readonly data = inject<PickerOptions<K>>(MAT_DIALOG_DATA);
  protected readonly excluded = new Set<K>(this.data.exclude ?? []);
  protected readonly query = signal('');
  protected readonly picked = signal<ReadonlySet<K>>(new Set());
  protected readonly shown = computed(() => filterOptions(this.data.options, this.query()));
  protected readonly result = computed(() => this.data.options.filter((o) => this.picked().has(o.id)).map((o) => o.id));

  protected toggle(id: K, checked: boolean): void {
    const next = new Set(this.picked());
    if (checked) next.add(id);
    else next.delete(id);
    this.picked.set(next);
  }
}

/** Opens {@link PickerDialogComponent}; resolves the chosen ids (empty when cancelled). */
@Injectable({ providedIn: 'root' })
export class PickerService {
  private readonly dialog = inject(MatDialog);

  async pick<K extends string | number>(options: PickerOptions<K>): Promise<K[]> {
    const ref = this.dialog.open<PickerDialogComponent<K>, PickerOptions<K>, K[]>(PickerDialogComponent, {
      data: options,
      width: '480px',
      maxWidth: 'calc(100vw - 32px)',
      autoFocus: 'dialog',
    });
    return (await firstValueFrom(ref.afterClosed())) ?? [];
  }
}
