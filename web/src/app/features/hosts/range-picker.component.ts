import { ChangeDetectionStrategy, Component, computed, effect, input, output, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { RANGE_PRESETS, customChoice, rangeInputs, resolveRange, type RangeChoice, type RangePreset, type TimeRange } from './range';

/**
 * Last hour / day / week / 30 days, or a custom from–to in the user's local time. A preset
 * applies at once; a custom range applies with its button, after it was checked.
 */
@Component({
  selector: 'p-range-picker',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatButtonToggleModule, MatFormFieldModule, MatInputModule],
  template: `
    <mat-button-toggle-group class="presets" aria-label="Time range" hideSingleSelectionIndicator [value]="mode()" (change)="pick($event.value)">
      @for (p of presets; track p.preset) {
        <mat-button-toggle [value]="p.preset">{{ p.label }}</mat-button-toggle>
      }
      <mat-button-toggle value="custom">Custom</mat-button-toggle>
    </mat-button-toggle-group>
    @if (mode() === 'custom') {
      <form class="custom" (submit)="$event.preventDefault(); applyCustom()">
        <mat-form-field subscriptSizing="dynamic">
          <mat-label>From</mat-label>
          <input matInput type="datetime-local" [value]="fromText()" (input)="fromText.set($any($event.target).value)" />
          <mat-hint>Your local time.</mat-hint>
        </mat-form-field>
        <mat-form-field subscriptSizing="dynamic">
          <mat-label>To</mat-label>
          <input matInput type="datetime-local" [value]="toText()" (input)="toText.set($any($event.target).value)" />
        </mat-form-field>
        <button mat-flat-button type="submit">Show</button>
        @if (customError(); as message) {
          <p class="error" role="alert">{{ message }}</p>
        }
      </form>
    }
  `,
  styles: `
    :host { display: block; }
    .presets { flex-wrap: wrap; max-width: 100%; }
    .custom { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 8px 12px; margin-top: 12px; }
    .custom mat-form-field { width: 230px; max-width: 100%; }
    .custom button { margin-top: 8px; }
    .error { flex-basis: 100%; margin: 0; color: var(--mat-sys-error); }
    @media (max-width: 599.98px) {
      .presets { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); border-radius: 12px; }
      .custom mat-form-field { width: 100%; }
    }
  `,
})
export class RangePickerComponent {
  /** The choice on screen. */
  readonly choice = input.required<RangeChoice>();
  /** The range currently shown, to pre-fill the custom inputs. */
  readonly shown = input<TimeRange | undefined>(undefined);
  readonly choiceChange = output<RangeChoice>();

  protected readonly presets = RANGE_PRESETS;
  protected readonly mode = signal<RangePreset>('day');
  protected readonly fromText = signal('');
  protected readonly toText = signal('');
  private readonly attempted = signal(false);
  protected readonly customError = computed(() => {
    if (!this.attempted()) return undefined;
    const result = resolveRange(customChoice(this.fromText(), this.toText()), Date.now());
    return 'error' in result ? result.error : undefined;
  });

  constructor() {
    effect(() => {
      const choice = this.choice();
      this.mode.set(choice.preset);
      if (choice.preset === 'custom' && choice.from !== undefined && choice.to !== undefined) this.fill({ from: choice.from, to: choice.to });
    });
  }

  protected pick(preset: RangePreset): void {
    this.mode.set(preset);
    if (preset !== 'custom') {
      this.attempted.set(false);
      this.choiceChange.emit({ preset });
      return;
    }
    const shown = this.shown();
    if (shown && !this.fromText()) this.fill(shown);
  }

  protected applyCustom(): void {
    this.attempted.set(true);
    const choice = customChoice(this.fromText(), this.toText());
    if ('error' in resolveRange(choice, Date.now())) return;
    this.choiceChange.emit(choice);
  }

  private fill(range: TimeRange): void {
    const text = rangeInputs(range);
    this.fromText.set(text.from);
    this.toText.set(text.to);
  }
}
