import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideNoopAnimations } from '@angular/platform-browser/animations';
import { bandOf, bandSeries, CHART_PALETTE, ChartComponent, seriesStats, SEVERITY_COLORS, timeTickText, toLineChartData, yRange, type ChartSeries, type ChartZoom } from './chart.component';

const MIN = 60_000;
const at = (minute: number, value: number | null) => ({ t: minute * MIN, value });
/** Visible series name of a segment (segments add invisible marks to stay unique). */
const base = (name: unknown) => String(name).replaceAll('\u200b', '');

describe('chart wrapper input mapping', () => {
  it('maps points to ngx-charts series with Date names, sorted by time', () => {
    const data = toLineChartData([{ name: 'load', points: [at(2, 0.5), at(0, 0.1), at(1, 0.3)] }]);
    expect(data.results).toHaveLength(1);
    const [line] = data.results;
    expect(line?.name).toBe('load');
    expect(line?.series.map((p) => (p.name as Date).getTime())).toEqual([0, MIN, 2 * MIN]);
    expect(line?.series.map((p) => p.value)).toEqual([0.1, 0.3, 0.5]);
    expect(data.xMin).toBe(0);
    expect(data.xMax).toBe(2 * MIN);
  });

  it('breaks the line at missing values so no line is drawn across a gap', () => {
    const data = toLineChartData([{ name: 'cpu', points: [at(0, 1), at(1, 2), at(2, null), at(3, 4), at(4, 5)] }]);
    expect(data.results).toHaveLength(2);
    expect(data.results.map((s) => s.series.map((p) => p.value))).toEqual([
      [1, 2],
      [4, 5],
    ]);
    // Segment names are unique for ngx-charts but read as the series name.
    expect(new Set(data.results.map((s) => s.name)).size).toBe(2);
    expect(data.results.map((s) => base(s.name))).toEqual(['cpu', 'cpu']);
  });

  it('breaks the line where points are further apart than the gap', () => {
    const points = [at(0, 1), at(1, 1), at(2, 1), at(30, 1), at(31, 1)];
    expect(toLineChartData([{ name: 'x', points }]).results).toHaveLength(2); // default: 2.5 × median step
    expect(toLineChartData([{ name: 'x', points }], 60 * MIN).results).toHaveLength(1);
    expect(toLineChartData([{ name: 'x', points }], MIN / 2).results).toHaveLength(5);
  });

  it('gives every segment of a series the series colour and one legend entry per series', () => {
    const series: ChartSeries[] = [
      { name: 'a', points: [at(0, 1), at(1, null), at(2, 3)] },
      { name: 'b', points: [at(0, 2), at(1, 2), at(2, 2)] },
    ];
    const data = toLineChartData(series);
    expect(data.legend).toEqual([
      { name: 'a', color: CHART_PALETTE[0] },
      { name: 'b', color: CHART_PALETTE[1] },
    ]);
    expect(data.customColors.map((c) => [base(c.name), c.value])).toEqual([
      ['a', CHART_PALETTE[0]],
      ['a', CHART_PALETTE[0]],
      ['b', CHART_PALETTE[1]],
    ]);
    expect(data.customColors.map((c) => c.name)).toEqual(data.results.map((s) => s.name));
  });

  it('drops non-finite values and yields nothing for empty series', () => {
    expect(toLineChartData([{ name: 'e', points: [] }]).results).toEqual([]);
    const data = toLineChartData([{ name: 'n', points: [at(0, Number.NaN), at(1, 1)] }]);
    expect(data.results.map((s) => s.series.length)).toEqual([1]);
  });

  it('renders an empty-state text without data and a legend for several series', () => {
    @Component({ imports: [ChartComponent], template: `<p-chart title="Load" [series]="series()" />` })
    class HostComponent {
      readonly series = signal<ChartSeries[]>([]);
    }
    TestBed.configureTestingModule({ providers: [provideNoopAnimations()] });
    const fixture = TestBed.createComponent(HostComponent);
    fixture.detectChanges();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.textContent).toContain('No data in this range.');
    fixture.componentInstance.series.set([
      { name: 'one', points: [at(0, 1), at(1, 2)] },
      { name: 'two', points: [at(0, 3), at(1, 4)] },
    ]);
    fixture.detectChanges();
    expect(el.textContent).not.toContain('No data in this range.');
    expect([...el.querySelectorAll('.legend li')].map((li) => li.textContent?.trim())).toEqual(['one', 'two']);
    expect(el.querySelector('ngx-charts-line-chart')).not.toBeNull();
  });
});

describe('chart bands, severity colours, statistics and axis', () => {
  const bands = [
    { from: 75, to: 90, severity: 'minor' as const },
    { from: 90, severity: 'major' as const },
  ];

  it('finds the band a value is in, each band [from, to)', () => {
    expect(bandOf(50, bands)).toBeUndefined();
    expect(bandOf(75, bands)?.severity).toBe('minor');
    expect(bandOf(89.9, bands)?.severity).toBe('minor');
    expect(bandOf(90, bands)?.severity).toBe('major');
    expect(bandOf(100, [{ from: 75, to: 100, severity: 'minor' }])?.severity).toBe('minor');
  });

  it('colours the line by the band it is in, splitting it where it crosses a threshold without a hole', () => {
    const data = toLineChartData([{ name: 'cpu', points: [at(0, 10), at(1, 20), at(2, 80), at(3, 95), at(4, 30)] }], undefined, bands);
    expect(data.results.map((s) => s.series.map((p) => p.value))).toEqual([
      [10, 20],
      [20, 80],
      [80, 95],
      [95, 30],
    ]);
    expect(data.customColors.map((c) => c.value)).toEqual([CHART_PALETTE[0], SEVERITY_COLORS.minor, SEVERITY_COLORS.major, CHART_PALETTE[0]]);
    // One legend entry, under the series' name.
    expect(data.legend).toEqual([{ name: 'cpu', color: CHART_PALETTE[0] }]);
    expect(new Set(data.results.map((s) => base(s.name)))).toEqual(new Set(['cpu']));
  });

  it('draws bands as range series across the x axis, clipped to the y axis', () => {
    const { results, customColors } = bandSeries(bands, 0, 10 * MIN, 0, 100);
    expect(results.map((r) => r.series.map((p) => [(p.name as Date).getTime(), p.value, p['min'], p['max']]))).toEqual([
      [
        [0, 75, 75, 90],
        [10 * MIN, 75, 75, 90],
      ],
      [
        [0, 90, 90, 100],
        [10 * MIN, 90, 90, 100],
      ],
    ]);
    expect(customColors.map((c) => c.value)).toEqual([SEVERITY_COLORS.minor, SEVERITY_COLORS.major]);
    // Above the axis: left out; open downwards: the line at its top.
    expect(bandSeries(bands, 0, 1, 0, 50).results).toEqual([]);
    expect(bandSeries([{ to: 7, severity: 'major' }], 0, 1, 0, 30).results[0]?.series[0]?.value).toBe(7);
  });

  it('computes min, avg, max and last (by time) of each series, skipping holes', () => {
    expect(seriesStats([{ name: 'a', points: [at(2, 4), at(0, 1), at(1, null), at(3, Number.NaN)] }, { name: 'empty', points: [at(0, null)] }])).toEqual([
      { name: 'a', min: 1, avg: 2.5, max: 4, last: 4 },
    ]);
  });

  it('writes time ticks on a 24-hour clock, days at midnight, seconds for short spans', () => {
    const HOUR = 60 * MIN;
    const evening = new Date(2026, 11, 7, 18, 5, 30);
    expect(timeTickText(evening, HOUR, 'en-US')).toBe('18:05');
    expect(timeTickText(evening.getTime(), 5 * MIN, 'en-US')).toBe('18:05:30');
    expect(timeTickText(new Date(2026, 11, 8), 7 * 24 * HOUR, 'en-US')).toBe('8 Dec');
  });

  it('takes the y axis from the hints (0–100 for a percentage), widened to the data', () => {
    expect(yRange([3, 24.5], { min: 0, max: 100 })).toEqual({ min: 0, max: 100 });
    expect(yRange([3, 140], { min: 0, max: 100 })).toEqual({ min: 0, max: 140 });
    expect(yRange([3, 24.5], {})).toEqual({ min: 0, max: 24.5 });
    expect(yRange([3, 24.5], { autoScale: true })).toEqual({ min: 3, max: 24.5 });
    expect(yRange([-5, 5], {})).toEqual({ min: -5, max: 5 });
    expect(yRange([0, 0], {})).toEqual({ min: 0, max: 1 });
    expect(yRange([], {})).toBeUndefined();
  });
});

describe('ChartComponent', () => {
  @Component({
    imports: [ChartComponent],
    template: `<p-chart title="CPU" unit="%" [series]="series()" [bands]="bands" [min]="0" [max]="100" [zoomable]="true" [zoomed]="zoomed()" (zoom)="zooms.push($event)" (resetZoom)="resets = resets + 1" />`,
  })
  class HostComponent {
    readonly series = signal<ChartSeries[]>([{ name: 'CPU busy', points: [at(0, 10), at(1, 80), at(2, 95.5), at(3, null), at(4, 20)] }]);
    readonly bands = [
      { from: 75, to: 90, severity: 'minor' as const },
      { from: 90, severity: 'major' as const },
    ];
    readonly zoomed = signal(false);
    readonly zooms: ChartZoom[] = [];
    resets = 0;
  }

  function create() {
    TestBed.configureTestingModule({ providers: [provideNoopAnimations()] });
    const fixture = TestBed.createComponent(HostComponent);
    fixture.detectChanges();
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  it('shows min, avg, max and last with the unit, and the bands in words', () => {
    const { el } = create();
    const stats = [...el.querySelectorAll('.stats dd')].map((d) => d.textContent?.replace(/\s+/g, ' ').trim());
    expect(stats).toEqual(['min 10 %', 'avg 51.4 %', 'max 95.5 %', 'last 20 %']);
    expect([...el.querySelectorAll('.bands li')].map((li) => li.textContent?.trim())).toEqual(['Minor 75 % – 90 %', 'Major ≥ 90 %']);
  });

  it('turns a drag across the plot into a time span, ignores a click, and offers Reset zoom once zoomed', () => {
    const { fixture, el } = create();
    const plot = el.querySelector('.plot') as HTMLElement;
    // jsdom lays nothing out: the plot area is 0–400 px wide, the chart 0–4 minutes.
    const area = el.querySelector('rect.tooltip-area') ?? plot.appendChild(document.createElementNS('http://www.w3.org/2000/svg', 'rect'));
    area.setAttribute('class', 'tooltip-area');
    area.getBoundingClientRect = () => ({ left: 0, right: 400, top: 10, bottom: 210, width: 400, height: 200, x: 0, y: 10, toJSON: () => ({}) });
    plot.getBoundingClientRect = () => ({ left: 0, right: 420, top: 0, bottom: 240, width: 420, height: 240, x: 0, y: 0, toJSON: () => ({}) });
    const pointer = (type: string, clientX: number) => plot.dispatchEvent(Object.assign(new MouseEvent(type, { clientX, button: 0, bubbles: true })));
    pointer('pointerdown', 100);
    pointer('pointermove', 300);
    fixture.detectChanges();
    expect((el.querySelector('.selection') as HTMLElement | null)?.style.width).toBe('200px');
    pointer('pointerup', 300);
    fixture.detectChanges();
    expect(el.querySelector('.selection')).toBeNull();
    expect(fixture.componentInstance.zooms).toEqual([{ from: MIN, to: 3 * MIN }]);
    // A click (less than 8 px) is not a zoom.
    pointer('pointerdown', 100);
    pointer('pointerup', 104);
    expect(fixture.componentInstance.zooms.length).toBe(1);
    expect(el.textContent).not.toContain('Reset zoom');
    fixture.componentInstance.zoomed.set(true);
    fixture.detectChanges();
    (el.querySelector('button.reset') as HTMLButtonElement).click();
    expect(fixture.componentInstance.resets).toBe(1);
  });

  it('draws stacked areas for counts, without statistics', () => {
    @Component({ imports: [ChartComponent], template: `<p-chart [stacked]="true" [series]="series" />` })
    class StackedHost {
      readonly series: ChartSeries[] = [
        { name: 'Major', color: SEVERITY_COLORS.major, points: [at(0, 1), at(1, 2)] },
        { name: 'Minor', color: SEVERITY_COLORS.minor, points: [at(0, 0), at(1, 3)] },
      ];
    }
    TestBed.configureTestingModule({ providers: [provideNoopAnimations()] });
    const fixture = TestBed.createComponent(StackedHost);
    fixture.detectChanges();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('ngx-charts-area-chart-stacked')).not.toBeNull();
    expect(el.querySelector('.stats')).toBeNull();
    expect([...el.querySelectorAll('.legend li')].map((li) => li.textContent?.trim())).toEqual(['Major', 'Minor']);
  });
});
