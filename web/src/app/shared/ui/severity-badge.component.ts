import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { Severity } from '../../core/protocol';
import { SEVERITY_LABELS } from './severity';

/** A severity as colour and text (`OK`, `Major`…); colours come from the global theme. */
@Component({
  selector: 'p-severity-badge',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `{{ label() }}@if (count() !== undefined) {<span class="count">{{ count() }}</span>}`,
  host: {
    '[class]': "'sev-' + severity()",
    '[attr.data-severity]': 'severity()',
  },
  styles: `
    :host {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      padding: 2px 10px;
      border-radius: 999px;
      font: var(--mat-sys-label-medium);
      font-weight: 600;
      white-space: nowrap;
      line-height: 20px;
    }
    .count { font-variant-numeric: tabular-nums; }
    :host.sev-critical { background: var(--p-sev-critical-bg); color: var(--p-sev-critical-fg); }
    :host.sev-major { background: var(--p-sev-major-bg); color: var(--p-sev-major-fg); }
    :host.sev-minor { background: var(--p-sev-minor-bg); color: var(--p-sev-minor-fg); }
    :host.sev-degraded { background: var(--p-sev-degraded-bg); color: var(--p-sev-degraded-fg); }
    :host.sev-unknown { background: var(--p-sev-unknown-bg); color: var(--p-sev-unknown-fg); }
    :host.sev-ok { background: var(--p-sev-ok-bg); color: var(--p-sev-ok-fg); }
    :host.sev-no_data { background: var(--p-sev-no_data-bg); color: var(--p-sev-no_data-fg); }
  `,
})
export class SeverityBadgeComponent {
  readonly severity = input.required<Severity>();
  /** Optional number shown after the label (dashboard counts). */
  readonly count = input<number>();
  protected readonly label = computed(() => SEVERITY_LABELS[this.severity()]);
}

/** One badge per severity with its count, always in protocol order, worst first. */
@Component({
  selector: 'p-severity-counts',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [SeverityBadgeComponent],
  template: `
    @for (entry of shown(); track entry.severity) {
      <p-severity-badge [severity]="entry.severity" [count]="entry.count" />
    }
  `,
  styles: `:host { display: flex; flex-wrap: wrap; gap: 8px; }`,
})
export class SeverityCountsComponent {
  /** Counts in protocol order, e.g. from `countBySeverity`. */
  readonly counts = input.required<readonly { severity: Severity; count: number }[]>();
  /** Hide severities with no members (`critical` never applies to hosts, for example). */
  readonly hideZero = input(false);
  protected readonly shown = computed(() => this.counts().filter((c) => !this.hideZero() || c.count > 0));
}
