import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { LineChartModule, ScaleType, type Color, type MultiSeries } from '@swimlane/ngx-charts';

/**
 * The one place the console touches ngx-charts (STYLE.md): features pass plain time series
 * and never see the library's data model, so a chart library change stays in this file.
 */

/** One measurement; `value: null` marks a slot with no data (drawn as a gap). */
interface ChartPoint {
  /** Epoch milliseconds. */
  t: number;
  value: number | null;
}

export interface ChartSeries {
  name: string;
  points: readonly ChartPoint[];
}

/** Colours for successive series, readable on light and dark surfaces. */
export const CHART_PALETTE = ['#1565c0', '#ef6c00', '#2e7d32', '#6a1b9a', '#c62828', '#00838f', '#9e9d24', '#4e342e'] as const;

// ngx-charts needs unique series names; gap segments of one series share its name plus
// zero-width spaces, which are invisible in tooltips.
const SEGMENT_MARK = '\u200b';

export interface LineChartData {
  /** What ngx-charts draws: each unbroken run of a series is its own line. */
  results: MultiSeries;
  /** Every segment of a series gets the series colour. */
  customColors: { name: string; value: string }[];
  /** One entry per input series, for the legend. */
  legend: { name: string; color: string }[];
  /** Smallest and largest time, to fix the x axis to the data (ms). */
  xMin: number | undefined;
  xMax: number | undefined;
}

/**
 * Splits each series into unbroken segments: a point with `value: null` (or a non-finite
 * value) ends a segment, and so does a step longer than `gapMs` between two points, so missing
 * data shows as a hole instead of a line drawn across it. `gapMs` defaults to 2.5 × the median
 * step of the series. Points are sorted by time first.
 */
export function toLineChartData(series: readonly ChartSeries[], gapMs?: number): LineChartData {
  const results: MultiSeries = [];
  const customColors: { name: string; value: string }[] = [];
  const legend: { name: string; color: string }[] = [];
  let xMin: number | undefined;
  let xMax: number | undefined;
  series.forEach((s, index) => {
    const color = CHART_PALETTE[index % CHART_PALETTE.length] ?? CHART_PALETTE[0];
    legend.push({ name: s.name, color });
    const points = [...s.points].sort((a, b) => a.t - b.t);
    for (const p of points) {
      xMin = xMin === undefined ? p.t : Math.min(xMin, p.t);
      xMax = xMax === undefined ? p.t : Math.max(xMax, p.t);
    }
    const maxStep = gapMs ?? defaultGap(points);
    let segment: { name: Date; value: number }[] = [];
    let previous: ChartPoint | undefined;
    const flush = () => {
      if (segment.length === 0) return;
      const name = s.name + SEGMENT_MARK.repeat(results.filter((r) => stripMark(String(r.name)) === s.name).length);
      results.push({ name, series: segment });
      customColors.push({ name, value: color });
      segment = [];
    };
    for (const p of points) {
      const usable = p.value !== null && Number.isFinite(p.value);
      if (!usable || (previous && maxStep !== undefined && p.t - previous.t > maxStep)) flush();
      if (usable) segment.push({ name: new Date(p.t), value: p.value as number });
      previous = p;
    }
    flush();
  });
  return { results, customColors, legend, xMin, xMax };
}

function stripMark(name: string): string {
  return name.replaceAll(SEGMENT_MARK, '');
}

function defaultGap(points: readonly ChartPoint[]): number | undefined {
  if (points.length < 3) return undefined;
  const steps: number[] = [];
  for (let i = 1; i < points.length; i++) steps.push((points[i] as ChartPoint).t - (points[i - 1] as ChartPoint).t);
  steps.sort((a, b) => a - b);
  const median = steps[Math.floor(steps.length / 2)] ?? 0;
  return median > 0 ? median * 2.5 : undefined;
}

/** Line chart of time series with gaps where data is missing, and its own legend. */
@Component({
  selector: 'p-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [LineChartModule],
  template: `
    @if (title()) {
      <h3 class="title">{{ title() }}</h3>
    }
    @if (data().results.length === 0) {
      <p class="empty p-muted">No data in this range.</p>
    } @else {
      <div class="plot" [style.height.px]="height()">
        <ngx-charts-line-chart
          [results]="data().results"
          [customColors]="data().customColors"
          [scheme]="scheme"
          [xAxis]="true"
          [yAxis]="true"
          [showYAxisLabel]="!!unit()"
          [yAxisLabel]="unit()"
          [autoScale]="autoScale()"
          [xScaleMin]="xMin()"
          [xScaleMax]="xMax()"
          [animations]="false"
          [legend]="false"
        />
      </div>
      @if (data().legend.length > 1) {
        <ul class="legend">
          @for (entry of data().legend; track entry.name) {
            <li><span class="swatch" [style.background]="entry.color"></span>{{ entry.name }}</li>
          }
        </ul>
      }
    }
  `,
  styles: `
    :host { display: block; min-width: 0; }
    .title { font: var(--mat-sys-title-small); margin: 0 0 8px; }
    .plot { width: 100%; position: relative; }
    .empty { margin: 8px 0; }
    .legend { list-style: none; display: flex; flex-wrap: wrap; gap: 12px; padding: 0; margin: 8px 0 0; font: var(--mat-sys-body-small); }
    .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
  `,
})
export class ChartComponent {
  readonly series = input.required<readonly ChartSeries[]>();
  readonly title = input<string>('');
  /** Y axis label, e.g. `%` or `load`. */
  readonly unit = input<string>('');
  /** Longest step between two points still drawn as a line, ms; default 2.5 × the median step. */
  readonly gapMs = input<number | undefined>(undefined);
  /** Fix the x axis to this range (ms) so charts of one page line up; default the data's range. */
  readonly from = input<number | undefined>(undefined);
  readonly to = input<number | undefined>(undefined);
  /** Y axis from the data's minimum instead of zero. */
  readonly autoScale = input(false);
  readonly height = input(240);

  protected readonly scheme: Color = { name: 'prophasis', selectable: false, group: ScaleType.Ordinal, domain: [...CHART_PALETTE] };
  protected readonly data = computed(() => toLineChartData(this.series(), this.gapMs()));
  // ngx-charts types these as plain numbers but accepts Dates on a time axis.
  protected readonly xMin = computed(() => toAxisBound(this.from() ?? this.data().xMin));
  protected readonly xMax = computed(() => toAxisBound(this.to() ?? this.data().xMax));
}

function toAxisBound(ms: number | undefined): number {
  return (ms === undefined ? undefined : new Date(ms)) as unknown as number;
}
