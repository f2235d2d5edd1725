import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { formatLast, sparklinePath, type Sparkline } from './host-list';

const WIDTH = 72;
const HEIGHT = 20;

/**
 * One host's sparkline of one metric (host list): a small line over the range with its newest
 * value and unit beside it; holes where no value came. An inline SVG rather than the shared
 * chart: a table of 200 hosts × 3 metrics must stay light, and a sparkline has no axes,
 * tooltips or zoom. The label says metric and newest value in words for screen readers.
 */
@Component({
  selector: 'p-sparkline',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (line(); as s) {
      <span class="spark" role="img" [attr.aria-label]="label()" [attr.title]="label()">
        <svg [attr.viewBox]="'0 0 ' + width + ' ' + height" [attr.width]="width" [attr.height]="height" aria-hidden="true" focusable="false">
          <line class="base" x1="0" [attr.y1]="height - 0.5" [attr.x2]="width" [attr.y2]="height - 0.5" />
          <path [attr.d]="path()" />
        </svg>
        <span class="last">{{ last() }}</span>
      </span>
    } @else {
      <span class="none p-muted" aria-label="No values">—</span>
    }
  `,
  styles: `
    :host { display: inline-block; }
    .spark { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
    svg { display: block; overflow: visible; }
    path { fill: none; stroke: var(--mat-sys-primary); stroke-width: 1.5; stroke-linejoin: round; stroke-linecap: round; }
    .base { stroke: var(--mat-sys-outline-variant); stroke-width: 1; }
    .last { font: var(--mat-sys-body-small); font-variant-numeric: tabular-nums; min-width: 4.2em; text-align: right; }
  `,
})
export class SparklineComponent {
  readonly line = input<Sparkline | undefined>(undefined);
  protected readonly width = WIDTH;
  protected readonly height = HEIGHT;
  protected readonly path = computed(() => {
    const s = this.line();
    return s ? sparklinePath(s.values, s.min, s.max, WIDTH, HEIGHT - 1) : '';
  });
  protected readonly last = computed(() => {
    const s = this.line();
    return s ? formatLast(s) : '';
  });
  protected readonly label = computed(() => {
    const s = this.line();
    return s ? `${s.label}: ${s.last === null ? 'no value in this range' : `newest ${formatLast(s)}`}` : '';
  });
}
