import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideNoopAnimations } from '@angular/platform-browser/animations';
import { CHART_PALETTE, ChartComponent, toLineChartData, type ChartSeries } from './chart.component';

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
