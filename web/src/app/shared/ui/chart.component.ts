import { DatePipe, formatDate } from '@angular/common';
import { ChangeDetectionStrategy, Component, ElementRef, LOCALE_ID, computed, inject, input, output, signal } from '@angular/core';
import { AreaChartModule, LineChartModule, ScaleType, type Color, type MultiSeries } from '@swimlane/ngx-charts';
import type { Severity } from '../../core/protocol';
import { formatValue } from './format-value';

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
  /** Its colour; default the next of {@link CHART_PALETTE}. */
  color?: string;
}

/**
 * A range of values the classifier judges as `severity`, drawn as a band behind the line:
 * `[from, to)`; an open end reaches the edge of the axis.
 */
export interface ChartBand {
  from?: number;
  to?: number;
  severity: Severity;
}

/** A time span chosen by dragging across the chart (ms). */
export interface ChartZoom {
  from: number;
  to: number;
}

/** Colours for successive series, readable on light and dark surfaces. */
export const CHART_PALETTE = ['#1565c0', '#ef6c00', '#2e7d32', '#6a1b9a', '#c62828', '#00838f', '#9e9d24', '#4e342e'] as const;

/** The severity colours of the global styles (`--p-sev-*-bg`); SVG attributes cannot read CSS variables. */
export const SEVERITY_COLORS: Readonly<Record<Severity, string>> = {
  critical: '#7b1fa2',
  major: '#c62828',
  minor: '#ef6c00',
  degraded: '#f9a825',
  unknown: '#607d8b',
  ok: '#2e7d32',
  no_data: '#cfd8dc',
};

// ngx-charts needs unique series names; gap segments of one series share its name plus
// zero-width spaces, which are invisible in tooltips. Bands are series too, named with a mark.
const SEGMENT_MARK = '\u200b';
const BAND_MARK = '\u2060';

export interface LineChartData {
  /** What ngx-charts draws: each unbroken run of a series is its own line; bands are range series. */
  results: MultiSeries;
  /** Every segment of a series gets the series colour (or its band's severity colour). */
  customColors: { name: string; value: string }[];
  /** One entry per input series, for the legend. */
  legend: { name: string; color: string }[];
  /** Smallest and largest time, to fix the x axis to the data (ms). */
  xMin: number | undefined;
  xMax: number | undefined;
}

/** Minimum, average, maximum and last value of a series over the points given (nulls skipped). */
interface SeriesStats {
  name: string;
  min: number;
  avg: number;
  max: number;
  last: number;
}

/** The band a value falls in (`[from, to)`, the top band including its end), if any. */
export function bandOf(value: number, bands: readonly ChartBand[]): ChartBand | undefined {
  return bands.find((b) => (b.from === undefined || value >= b.from) && (b.to === undefined || value < b.to || (value === b.to && !bands.some((o) => o.from === b.to))));
}

/**
 * Splits each series into unbroken segments: a point with `value: null` (or a non-finite
 * value) ends a segment, and so does a step longer than `gapMs` between two points, so missing
 * data shows as a hole instead of a line drawn across it. `gapMs` defaults to 2.5 × the median
 * step of the series. Points are sorted by time first. With `bands`, a segment is also split
 * where its values move into another band, and each part takes the band's severity colour (the
 * line is coloured by severity over time); the piece that leads into a band has that band's colour.
 */
export function toLineChartData(series: readonly ChartSeries[], gapMs?: number, bands: readonly ChartBand[] = []): LineChartData {
  const results: MultiSeries = [];
  const customColors: { name: string; value: string }[] = [];
  const legend: { name: string; color: string }[] = [];
  let xMin: number | undefined;
  let xMax: number | undefined;
  const used = new Map<string, number>();
  const uniqueName = (base: string) => {
    const n = used.get(base) ?? 0;
    used.set(base, n + 1);
    return base + SEGMENT_MARK.repeat(n);
  };
  series.forEach((s, index) => {
    const color = s.color ?? CHART_PALETTE[index % CHART_PALETTE.length] ?? CHART_PALETTE[0];
    legend.push({ name: s.name, color });
    const points = [...s.points].sort((a, b) => a.t - b.t);
    for (const p of points) {
      xMin = xMin === undefined ? p.t : Math.min(xMin, p.t);
      xMax = xMax === undefined ? p.t : Math.max(xMax, p.t);
    }
    const maxStep = gapMs ?? defaultGap(points);
    const colorOf = (value: number) => {
      const band = bandOf(value, bands);
      return band ? SEVERITY_COLORS[band.severity] : color;
    };
    let segment: { name: Date; value: number }[] = [];
    let segmentColor = color;
    let previous: ChartPoint | undefined;
    const flush = () => {
      if (segment.length === 0) return;
      const name = uniqueName(s.name);
      results.push({ name, series: segment });
      customColors.push({ name, value: segmentColor });
      segment = [];
    };
    for (const p of points) {
      const usable = p.value !== null && Number.isFinite(p.value);
      if (!usable || (previous && maxStep !== undefined && p.t - previous.t > maxStep)) flush();
      if (usable) {
        const value = p.value as number;
        const pointColor = colorOf(value);
        if (segment.length > 1 && pointColor !== segmentColor) {
          // The piece into the new band continues from the last point, so the line stays whole.
          const last = segment[segment.length - 1]!;
          flush();
          segment.push(last);
        }
        if (segment.length === 0 || segment.length === 1) segmentColor = pointColor;
        segment.push({ name: new Date(p.t), value });
      }
      previous = p;
    }
    flush();
  });
  return { results, customColors, legend, xMin, xMax };
}

/**
 * The bands as ngx-charts range series across `[xFrom, xTo]`, clipped to the y axis `[yMin,
 * yMax]` (a band outside it is left out): the area between `from` and `to` filled in the
 * severity's colour, and its line at the threshold (`from`, or `to` for a band open downwards).
 */
export function bandSeries(bands: readonly ChartBand[], xFrom: number, xTo: number, yMin: number, yMax: number): { results: MultiSeries; customColors: { name: string; value: string }[] } {
  const results: MultiSeries = [];
  const customColors: { name: string; value: string }[] = [];
  bands.forEach((b, i) => {
    const low = Math.max(b.from ?? yMin, yMin);
    const high = Math.min(b.to ?? yMax, yMax);
    if (!(high > low)) return;
    const line = b.from !== undefined ? low : high;
    const name = `${BAND_MARK}${b.severity}${SEGMENT_MARK.repeat(i)}`;
    results.push({ name, series: [xFrom, xTo].map((t) => ({ name: new Date(t), value: line, min: low, max: high })) });
    customColors.push({ name, value: SEVERITY_COLORS[b.severity] });
  });
  return { results, customColors };
}

/** Min, avg, max and last of each series (last by time); series without a value are left out. */
export function seriesStats(series: readonly ChartSeries[]): SeriesStats[] {
  const out: SeriesStats[] = [];
  for (const s of series) {
    const values = [...s.points].sort((a, b) => a.t - b.t).filter((p) => p.value !== null && Number.isFinite(p.value)).map((p) => p.value as number);
    if (values.length === 0) continue;
    const sum = values.reduce((a, b) => a + b, 0);
    out.push({ name: s.name, min: Math.min(...values), avg: sum / values.length, max: Math.max(...values), last: values[values.length - 1]! });
  }
  return out;
}

/**
 * The y axis: from the manifest's `min`/`max` where it declares them (0–100 for a percentage),
 * widened to the data if a value lies outside; else zero (or the data's minimum with
 * `autoScale`) to the data's maximum.
 */
export function yRange(values: readonly number[], hints: { min?: number | undefined; max?: number | undefined; autoScale?: boolean }): { min: number; max: number } | undefined {
  if (values.length === 0 && hints.max === undefined) return undefined;
  const dataMin = values.length ? Math.min(...values) : 0;
  const dataMax = values.length ? Math.max(...values) : 0;
  const min = Math.min(hints.min ?? (hints.autoScale ? dataMin : Math.min(0, dataMin)), dataMin);
  let max = Math.max(hints.max ?? dataMax, dataMax);
  if (max <= min) max = min + 1;
  return { min, max };
}

/** Name of a chart series as people read it (without the marks that keep ngx-charts' names unique). */
function seriesLabel(name: unknown): string {
  return String(name).replaceAll(SEGMENT_MARK, '');
}

const isBand = (name: unknown) => String(name).startsWith(BAND_MARK);

function defaultGap(points: readonly ChartPoint[]): number | undefined {
  if (points.length < 3) return undefined;
  const steps: number[] = [];
  for (let i = 1; i < points.length; i++) steps.push((points[i] as ChartPoint).t - (points[i - 1] as ChartPoint).t);
  steps.sort((a, b) => a - b);
  const median = steps[Math.floor(steps.length / 2)] ?? 0;
  return median > 0 ? median * 2.5 : undefined;
}

/** Item of ngx-charts' tooltip models (what its templates receive). */
interface TooltipItem {
  name: unknown;
  value: unknown;
  series: unknown;
  color?: string;
}

/** Dragging less than this (px) is a click, not a zoom. */
const MIN_DRAG_PX = 8;

/**
 * Time series as lines (or, `stacked`, as stacked areas such as problems per severity), with
 * gaps where data is missing, the classifier's thresholds as bands and the line coloured by the
 * band it is in, the unit on the axis and in tooltips, min/avg/max/last under the chart, and
 * drag to zoom (`zoom` emits the span chosen; `zoomed` shows **Reset zoom**, which emits `resetZoom`).
 */
@Component({
  selector: 'p-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [AreaChartModule, DatePipe, LineChartModule],
  template: `
    @if (title() || zoomed()) {
      <div class="head">
        @if (title()) {
          <h3 class="title">{{ title() }}</h3>
        }
        @if (zoomed()) {
          <button type="button" class="reset" (click)="resetZoom.emit()">Reset zoom</button>
        }
      </div>
    }
    @if (empty()) {
      <p class="empty p-muted">No data in this range.</p>
    } @else {
      <div
        class="plot"
        [class.zoomable]="zoomable()"
        [style.height.px]="height()"
        (pointerdown)="dragStart($event)"
        (pointermove)="dragMove($event)"
        (pointerup)="dragEnd($event)"
        (pointercancel)="dragCancel()"
        (pointerleave)="dragEnd($event)"
      >
        @if (stacked()) {
          <ngx-charts-area-chart-stacked
            [results]="data().results"
            [customColors]="data().customColors"
            [scheme]="scheme"
            [xAxis]="true"
            [yAxis]="true"
            [yAxisTickFormatting]="countTick"
            [xAxisTickFormatting]="timeTick"
            [xScaleMin]="xMin()"
            [xScaleMax]="xMax()"
            [yScaleMax]="stackedMax()"
            [animations]="false"
            [legend]="false"
          >
            <ng-template #seriesTooltipTemplate let-model="model">
              <div class="tip">
                <div class="tip-time">{{ tipTime(model) | date: 'd MMM, HH:mm' }}</div>
                @for (item of tipItems(model); track item.label) {
                  <div><span class="swatch" [style.background]="item.color"></span>{{ item.label }}: {{ item.text }}</div>
                } @empty {
                  <div>None</div>
                }
              </div>
            </ng-template>
          </ngx-charts-area-chart-stacked>
        } @else {
          <ngx-charts-line-chart
            [results]="data().results"
            [customColors]="data().customColors"
            [scheme]="scheme"
            [xAxis]="true"
            [yAxis]="true"
            [yAxisTickFormatting]="valueTick"
            [xAxisTickFormatting]="timeTick"
            [autoScale]="autoScale()"
            [xScaleMin]="xMin()"
            [xScaleMax]="xMax()"
            [yScaleMin]="yMin()"
            [yScaleMax]="yMax()"
            [rangeFillOpacity]="0.22"
            [animations]="false"
            [legend]="false"
          >
            <ng-template #seriesTooltipTemplate let-model="model">
              <div class="tip">
                <div class="tip-time">{{ tipTime(model) | date: 'd MMM, HH:mm:ss' }}</div>
                @for (item of tipItems(model); track item.label) {
                  <div><span class="swatch" [style.background]="item.color"></span>{{ item.label }}: {{ item.text }}</div>
                }
              </div>
            </ng-template>
            <ng-template #tooltipTemplate let-model="model">
              <div class="tip">
                <div class="tip-time">{{ $any(model).name | date: 'd MMM, HH:mm:ss' }}</div>
                <div>{{ label($any(model).series) }}: {{ format($any(model).value) }}</div>
              </div>
            </ng-template>
          </ngx-charts-line-chart>
        }
        @if (selection(); as s) {
          <div class="selection" [style.left.px]="s.left" [style.width.px]="s.width" [style.top.px]="s.top" [style.height.px]="s.height"></div>
        }
      </div>
      @if (legend().length > 1) {
        <ul class="legend">
          @for (entry of legend(); track entry.name) {
            <li><span class="swatch" [style.background]="entry.color"></span>{{ entry.name }}</li>
          }
        </ul>
      }
      @if (showStats() && !stacked() && stats().length > 0) {
        <dl class="stats">
          @for (s of stats(); track s.name) {
            @if (stats().length > 1) {
              <dt class="stats-name">{{ s.name }}</dt>
            }
            <dd><span class="p-muted">min</span> {{ format(s.min) }}</dd>
            <dd><span class="p-muted">avg</span> {{ format(s.avg) }}</dd>
            <dd><span class="p-muted">max</span> {{ format(s.max) }}</dd>
            <dd><span class="p-muted">last</span> {{ format(s.last) }}</dd>
          }
        </dl>
      }
      @if (shownBands().length > 0) {
        <ul class="legend bands">
          @for (b of shownBands(); track b.severity) {
            <li><span class="swatch band" [style.background]="b.color"></span>{{ b.text }}</li>
          }
        </ul>
      }
    }
  `,
  styles: `
    :host { display: block; min-width: 0; }
    .head { display: flex; align-items: center; gap: 8px; margin: 0 0 8px; }
    .title { font: var(--mat-sys-title-small); margin: 0; flex: 1; }
    .reset { font: var(--mat-sys-label-medium); border: 1px solid var(--mat-sys-outline); border-radius: 999px; background: none; color: var(--mat-sys-primary); padding: 2px 10px; cursor: pointer; margin-inline-start: auto; }
    .plot { width: 100%; position: relative; }
    /* ngx-charts fades every chart in (0.6 s) whenever it is drawn anew, a resize or a live reload included. */
    .plot ::ng-deep .ngx-charts-outer { animation: none; }
    .plot.zoomable { cursor: crosshair; user-select: none; touch-action: pan-y; }
    .selection { position: absolute; background: rgba(21, 101, 192, 0.15); border: 1px solid rgba(21, 101, 192, 0.6); pointer-events: none; }
    .empty { margin: 8px 0; }
    .legend { list-style: none; display: flex; flex-wrap: wrap; gap: 12px; padding: 0; margin: 8px 0 0; font: var(--mat-sys-body-small); }
    .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
    .swatch.band { opacity: 0.45; }
    .stats { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 8px 0 0; font: var(--mat-sys-body-small); }
    .stats dd { margin: 0; }
    .stats-name { flex-basis: 100%; font-weight: 500; }
    .tip { padding: 4px 2px; text-align: left; font-size: 12px; line-height: 1.5; }
    .tip-time { opacity: 0.8; }
    .tip .swatch { width: 8px; height: 8px; margin-right: 4px; }
  `,
})
export class ChartComponent {
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);

  readonly series = input.required<readonly ChartSeries[]>();
  readonly title = input<string>('');
  /** Unit of the values (`%`, `ms`, `bytes`…): on the y axis, in tooltips and the statistics. */
  readonly unit = input<string>('');
  /** Longest step between two points still drawn as a line, ms; default 2.5 × the median step. */
  readonly gapMs = input<number | undefined>(undefined);
  /** Fix the x axis to this range (ms) so charts of one page line up; default the data's range. */
  readonly from = input<number | undefined>(undefined);
  readonly to = input<number | undefined>(undefined);
  /** The y axis from the plugin's chart hints (0–100 for a percentage); widened to the data. */
  readonly min = input<number | undefined>(undefined);
  readonly max = input<number | undefined>(undefined);
  /** The classifier's thresholds, drawn as bands; the line takes each band's colour. */
  readonly bands = input<readonly ChartBand[]>([]);
  /** Y axis from the data's minimum instead of zero. */
  readonly autoScale = input(false);
  /** Stacked areas (counts that add up, such as problems per severity) instead of lines. */
  readonly stacked = input(false);
  /** Min/avg/max/last under a line chart. */
  readonly showStats = input(true);
  /** Dragging across the chart selects a time span and emits `zoom`. */
  readonly zoomable = input(false);
  /** The range shown is a zoom: offers **Reset zoom**. */
  readonly zoomed = input(false);
  readonly height = input(240);

  readonly zoom = output<ChartZoom>();
  readonly resetZoom = output<void>();

  protected readonly scheme: Color = { name: 'prophasis', selectable: false, group: ScaleType.Ordinal, domain: [...CHART_PALETTE] };

  private readonly lines = computed(() => toLineChartData(this.series(), this.stacked() ? undefined : this.gapMs(), this.stacked() ? [] : this.bands()));
  private readonly values = computed(() => this.series().flatMap((s) => s.points.map((p) => p.value).filter((v): v is number => v !== null && Number.isFinite(v))));
  private readonly yAxis = computed(() => yRange(this.values(), { min: this.min(), max: this.max(), autoScale: this.autoScale() }));
  private readonly xFrom = computed(() => this.from() ?? this.lines().xMin);
  private readonly xTo = computed(() => this.to() ?? this.lines().xMax);

  protected readonly data = computed(() => {
    const lines = this.lines();
    if (this.stacked()) return { results: stackedResults(this.series()), customColors: lines.legend.map((l) => ({ name: l.name, value: l.color })) };
    const y = this.yAxis();
    const from = this.xFrom();
    const to = this.xTo();
    if (!y || from === undefined || to === undefined || lines.results.length === 0) return lines;
    const bands = bandSeries(this.bands(), from, to, y.min, y.max);
    // Bands first, so the lines are drawn over them.
    return { results: [...bands.results, ...lines.results], customColors: [...bands.customColors, ...lines.customColors] };
  });
  /** Stacked counts: the axis to the highest sum, at least 1 (a range without problems has a flat, readable axis). */
  protected readonly stackedMax = computed(() => {
    const sums = new Map<number, number>();
    for (const s of this.series()) for (const p of s.points) sums.set(p.t, (sums.get(p.t) ?? 0) + (p.value ?? 0));
    return Math.max(1, ...sums.values());
  });
  protected readonly empty = computed(() => (this.stacked() ? this.series().every((s) => s.points.length === 0) : this.lines().results.length === 0));
  protected readonly legend = computed(() => this.lines().legend);
  protected readonly stats = computed(() => seriesStats(this.series()));
  /** The bands inside the axis, in words under the chart ("Minor ≥ 75 %"). */
  protected readonly shownBands = computed(() => {
    const y = this.yAxis();
    if (this.stacked() || !y) return [];
    return this.bands()
      .filter((b) => Math.min(b.to ?? y.max, y.max) > Math.max(b.from ?? y.min, y.min))
      .map((b) => ({ severity: b.severity, color: SEVERITY_COLORS[b.severity], text: bandText(b, (v) => this.format(v)) }));
  });
  // ngx-charts types these as plain numbers but accepts Dates on a time axis.
  protected readonly xMin = computed(() => toAxisBound(this.xFrom()));
  protected readonly xMax = computed(() => toAxisBound(this.xTo()));
  // Typed as numbers by ngx-charts; undefined leaves the axis to the data.
  protected readonly yMin = computed(() => this.yAxis()?.min as number);
  protected readonly yMax = computed(() => this.yAxis()?.max as number);

  /** The drag in progress, in px relative to the plot's box. */
  protected readonly selection = signal<{ left: number; width: number; top: number; height: number } | undefined>(undefined);
  private drag: { startX: number; area: DOMRect; box: DOMRect } | undefined;

  protected readonly valueTick = (v: number) => this.format(v);
  /** Time ticks on a 24-hour clock in the user's time zone: midnight as the day, seconds for spans of minutes. */
  protected readonly timeTick = (v: Date | number) => timeTickText(v, (this.xTo() ?? 0) - (this.xFrom() ?? 0), this.locale);
  private readonly locale = inject(LOCALE_ID);
  protected readonly countTick = (v: number) => (Number.isInteger(v) ? String(v) : '');

  protected format(value: unknown): string {
    return typeof value === 'number' ? formatValue(value, this.unit()) : String(value ?? '—');
  }

  protected label(name: unknown): string {
    return seriesLabel(name);
  }

  protected tipTime(model: readonly TooltipItem[]): Date | number | undefined {
    const t = model[0]?.name;
    return t instanceof Date || typeof t === 'number' ? t : undefined;
  }

  /** One line per series (a series split into segments is named once); bands are not values. */
  protected tipItems(model: readonly TooltipItem[]): { label: string; text: string; color: string }[] {
    const seen = new Set<string>();
    const out: { label: string; text: string; color: string }[] = [];
    for (const item of model) {
      // Bands are not values; in stacked counts a zero says nothing.
      if (isBand(item.series) || (this.stacked() && item.value === 0)) continue;
      const label = seriesLabel(item.series);
      if (seen.has(label)) continue;
      seen.add(label);
      const value = this.stacked() ? String(item.value) : this.format(item.value);
      out.push({ label, text: value, color: item.color ?? '' });
    }
    return out;
  }

  protected dragStart(event: PointerEvent): void {
    if (!this.zoomable() || event.button !== 0) return;
    const area = this.host.nativeElement.querySelector('rect.tooltip-area')?.getBoundingClientRect();
    const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
    if (!area || area.width <= 0 || event.clientX < area.left || event.clientX > area.right) return;
    this.drag = { startX: event.clientX, area, box };
  }

  protected dragMove(event: PointerEvent): void {
    const d = this.drag;
    if (!d) return;
    const x = Math.min(Math.max(event.clientX, d.area.left), d.area.right);
    this.selection.set({ left: Math.min(x, d.startX) - d.box.left, width: Math.abs(x - d.startX), top: d.area.top - d.box.top, height: d.area.height });
  }

  protected dragEnd(event: PointerEvent): void {
    const d = this.drag;
    if (!d) return;
    this.drag = undefined;
    this.selection.set(undefined);
    const from = this.xFrom();
    const to = this.xTo();
    const x = Math.min(Math.max(event.clientX, d.area.left), d.area.right);
    if (from === undefined || to === undefined || Math.abs(x - d.startX) < MIN_DRAG_PX) return;
    const at = (px: number) => Math.round(from + ((px - d.area.left) / d.area.width) * (to - from));
    this.zoom.emit({ from: at(Math.min(x, d.startX)), to: at(Math.max(x, d.startX)) });
  }

  protected dragCancel(): void {
    this.drag = undefined;
    this.selection.set(undefined);
  }
}

/** One tick of the time axis (`18:05`, `18:05:30` within ten minutes, `7 Dec` at midnight). */
export function timeTickText(value: Date | number, spanMs: number, locale: string): string {
  const d = value instanceof Date ? value : new Date(value);
  if (spanMs > 0 && spanMs <= 10 * 60_000) return formatDate(d, 'HH:mm:ss', locale);
  if (d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0) return formatDate(d, 'd MMM', locale);
  return formatDate(d, 'HH:mm', locale);
}

/** A band in words: "Minor ≥ 75 %", "Major < 10 days", "Minor 75–90 %". */
function bandText(b: ChartBand, format: (v: number) => string): string {
  const name = b.severity.charAt(0).toUpperCase() + b.severity.slice(1).replace('_', ' ');
  if (b.from !== undefined && b.to !== undefined) return `${name} ${format(b.from)} – ${format(b.to)}`;
  if (b.from !== undefined) return `${name} ≥ ${format(b.from)}`;
  return `${name} < ${format(b.to ?? 0)}`;
}

/**
 * Stacked areas need every series to have a value at every time: a missing one counts as 0.
 * Series keep their order (the first is drawn at the bottom).
 */
function stackedResults(series: readonly ChartSeries[]): MultiSeries {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
  return series.map((s) => {
    const byTime = new Map(s.points.map((p) => [p.t, p.value ?? 0]));
    return { name: s.name, series: times.map((t) => ({ name: new Date(t), value: byTime.get(t) ?? 0 })) };
  });
}

function toAxisBound(ms: number | undefined): number {
  return (ms === undefined ? undefined : new Date(ms)) as unknown as number;
}
