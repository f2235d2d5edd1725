import { toLineChartData } from '../../shared/ui/chart.component';
import { effectiveParams, gapThreshold, thresholdBands, isNumeric, toChartSeries } from './host-series';

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (minute: number, value: number | null) => ({ t: minute * MIN, value });

describe('host detail: series mapping with gaps', () => {
  it('keeps an unbroken run of raw results as one line', () => {
    const { series, gapMs } = toChartSeries('load', [at(0, 1), at(1, 2), at(2, 3), at(3, 4)], 0);
    expect(gapMs).toBe(2.5 * MIN);
    expect(series).toEqual({ name: 'load', points: [at(0, 1), at(1, 2), at(2, 3), at(3, 4)] });
    expect(toLineChartData([series], gapMs).results).toHaveLength(1);
  });

  it('puts a null point where raw results stopped coming, so the chart draws a hole', () => {
    const points = [at(0, 1), at(1, 2), at(2, 3), at(20, 4), at(21, 5)];
    const { series, gapMs } = toChartSeries('load', points, 0);
    expect(series.points.map((p) => p.value)).toEqual([1, 2, 3, null, 4, 5]);
    expect(series.points[3]?.t).toBe(11 * MIN);
    const drawn = toLineChartData([series], gapMs).results;
    expect(drawn.map((s) => s.series.map((p) => p.value))).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('treats a missing rollup bucket as a gap, and sorts points by time', () => {
    const hourly = [{ t: 3 * HOUR, value: 3 }, { t: 0, value: 1 }, { t: HOUR, value: 2 }, { t: 5 * HOUR, value: 5, min: 4, max: 6, count: 60 }];
    const { series, gapMs } = toChartSeries('disk', hourly, HOUR);
    expect(gapMs).toBe(1.5 * HOUR);
    expect(series.points.map((p) => p.value)).toEqual([1, 2, null, 3, null, 5]);
    expect(series.points.map((p) => p.t)).toEqual([0, HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR, 5 * HOUR]);
  });

  it('keeps bucket-wide null values and non-finite numbers as gaps', () => {
    const { series } = toChartSeries('x', [{ t: 0, value: 1 }, { t: MIN, value: null }, { t: 2 * MIN, value: Number.NaN }, { t: 3 * MIN, value: 4 }], MIN);
    expect(series.points.map((p) => p.value)).toEqual([1, null, null, 4]);
  });

  it('cannot tell a gap from two raw points', () => {
    expect(gapThreshold([at(0, 1), at(50, 2)], 0)).toBeUndefined();
    expect(toChartSeries('x', [at(0, 1), at(50, 2)], 0).series.points).toHaveLength(2);
  });

  it('charts plugins with numbers and not those with only messages', () => {
    expect(isNumeric({ value: 3, series: [] })).toBe(true);
    expect(isNumeric({ value: null, series: [at(0, 2)] })).toBe(true);
    expect(isNumeric({ value: null, series: [at(0, null)] })).toBe(false);
  });

  it('turns the classifier’s thresholds into bands, upwards and downwards', () => {
    expect(thresholdBands({ minorAbove: 75, majorAbove: 90 })).toEqual([
      { from: 75, to: 90, severity: 'minor' },
      { from: 90, severity: 'major' },
    ]);
    expect(thresholdBands({ minorAbove: 50, criticalAbove: 99, majorAbove: 80 }).map((b) => b.severity)).toEqual(['minor', 'major', 'critical']);
    // Days left of a certificate: fewer is worse.
    expect(thresholdBands({ minorBelow: 30, majorBelow: 7 })).toEqual([
      { from: 7, to: 30, severity: 'minor' },
      { to: 7, severity: 'major' },
    ]);
    expect(thresholdBands({ minorAbove: '75', slowAboveMs: 2000, sampleMs: 1000 })).toEqual([]);
  });

  it('fills in the schema’s defaults under the check’s parameters', () => {
    const schema = { type: 'object', properties: { minorAbove: { default: 75 }, majorAbove: { default: 90 }, mountpoint: {} } };
    expect(effectiveParams(schema, { majorAbove: 95 })).toEqual({ minorAbove: 75, majorAbove: 95 });
    expect(effectiveParams(undefined, undefined)).toEqual({});
    expect(effectiveParams({ properties: 'junk' }, { a: 1 })).toEqual({ a: 1 });
  });
});
