import { ChangeDetectionStrategy, Component, computed, forwardRef, input, signal } from '@angular/core';
import { NG_VALUE_ACCESSOR, type ControlValueAccessor } from '@angular/forms';
import { SEVERITIES, compareSeverity, type Severity } from '../../core/protocol';
import { SEVERITY_LABELS } from './severity';

/** `severities` sorted in protocol order (worst first), without duplicates. */
export function inSeverityOrder(severities: Iterable<Severity>): Severity[] {
  return [...new Set(severities)].sort(compareSeverity);
}

/**
 * Severity chips in protocol order, worst first, each a toggle button with the severity's
 * colour when chosen. A form control whose value is the chosen severities, always in protocol
 * order (`formControlName="fromStates"`).
 */
@Component({
  selector: 'p-severity-chips',
  changeDetection: ChangeDetectionStrategy.OnPush,
  providers: [{ provide: NG_VALUE_ACCESSOR, useExisting: forwardRef(() => SeverityChipsComponent), multi: true }],
  template: `
    <div class="chips" role="group" [attr.aria-label]="label()">
      @for (severity of choices(); track severity) {
        <button
          type="button"
          [class]="'chip sev-' + severity"
          [class.on]="chosen().has(severity)"
          [attr.aria-pressed]="chosen().has(severity)"
          [attr.data-severity]="severity"
          [disabled]="disabled()"
          (click)="toggle(severity)"
        >
          {{ labels[severity] }}
        </button>
      }
    </div>
  `,
  styles: `
    .chips { display: flex; flex-wrap: wrap; gap: 8px; }
    .chip {
      border: 2px solid var(--mat-sys-outline-variant); border-radius: 999px; padding: 4px 12px; background: transparent;
      font: var(--mat-sys-label-large); color: var(--mat-sys-on-surface); cursor: pointer; min-height: 32px;
    }
    .chip:disabled { cursor: default; opacity: 0.7; }
    .chip.on { font-weight: 600; }
    .chip.on.sev-critical { background: var(--p-sev-critical-bg); color: var(--p-sev-critical-fg); border-color: var(--p-sev-critical-bg); }
    .chip.on.sev-major { background: var(--p-sev-major-bg); color: var(--p-sev-major-fg); border-color: var(--p-sev-major-bg); }
    .chip.on.sev-minor { background: var(--p-sev-minor-bg); color: var(--p-sev-minor-fg); border-color: var(--p-sev-minor-bg); }
    .chip.on.sev-degraded { background: var(--p-sev-degraded-bg); color: var(--p-sev-degraded-fg); border-color: var(--p-sev-degraded-bg); }
    .chip.on.sev-unknown { background: var(--p-sev-unknown-bg); color: var(--p-sev-unknown-fg); border-color: var(--p-sev-unknown-bg); }
    .chip.on.sev-ok { background: var(--p-sev-ok-bg); color: var(--p-sev-ok-fg); border-color: var(--p-sev-ok-bg); }
    .chip.on.sev-no_data { background: var(--p-sev-no_data-bg); color: var(--p-sev-no_data-fg); border-color: var(--p-sev-no_data-bg); }
    .chip.on::before { content: '✓ '; }
  `,
})
export class SeverityChipsComponent implements ControlValueAccessor {
  /** Accessible name of the group, e.g. `From states`. */
  readonly label = input.required<string>();
  /** Severities offered (default all, in protocol order). */
  readonly severities = input<readonly Severity[]>(SEVERITIES);

  protected readonly labels = SEVERITY_LABELS;
  protected readonly value = signal<readonly Severity[]>([]);
  protected readonly disabled = signal(false);
  protected readonly chosen = computed(() => new Set(this.value()));
  protected readonly choices = computed(() => inSeverityOrder(this.severities()));

  private onChange: (value: Severity[]) => void = () => undefined;
  private onTouched: () => void = () => undefined;

  writeValue(value: readonly Severity[] | null): void {
    this.value.set(inSeverityOrder(value ?? []));
  }
  registerOnChange(fn: (value: Severity[]) => void): void {
    this.onChange = fn;
  }
  registerOnTouched(fn: () => void): void {
    this.onTouched = fn;
  }
  setDisabledState(disabled: boolean): void {
    this.disabled.set(disabled);
  }

  protected toggle(severity: Severity): void {
    const current = this.value();
    const next = inSeverityOrder(current.includes(severity) ? current.filter((s) => s !== severity) : [...current, severity]);
    this.value.set(next);
    this.onChange(next);
    this.onTouched();
  }
}
