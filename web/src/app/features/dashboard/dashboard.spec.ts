import type { CurrentProblem, ProblemsOverTime } from '../../core/protocol';
import { SEVERITY_COLORS } from '../../shared/ui/chart.component';
import { overTimeChoice, overTimePeak, overTimeQuery, overTimeRequest, overTimeSeries, problemLink, problemSubject } from './dashboard';

const HOUR = 3_600_000;

const problem = (over: Partial<CurrentProblem>): CurrentProblem => ({
  problem: 'h:3:p:5',
  kind: 'plugin',
  hostId: 3,
  hostName: 'db-1',
  pluginId: 'io.prophasis.disk-usage',
  pluginName: 'Disk usage',
  serviceId: null,
  serviceName: null,
  severity: 'major',
  since: 1000,
  acknowledged: null,
  maintenance: null,
  flapping: false,
  ...over,
});

describe('dashboard: range of problems over time', () => {
  it('reads presets and zooms from the URL, anything else as the last day', () => {
    expect(overTimeChoice('week', undefined, undefined)).toEqual({ preset: 'week' });
    expect(overTimeChoice('custom', '1000', '5000')).toEqual({ preset: 'custom', from: 1000, to: 5000 });
    expect(overTimeChoice('custom', '5000', '1000')).toEqual({ preset: 'day' });
    expect(overTimeChoice('custom', 'x', '1000')).toEqual({ preset: 'day' });
    expect(overTimeChoice('year', undefined, undefined)).toEqual({ preset: 'day' });
    expect(overTimeChoice(undefined, undefined, undefined)).toEqual({ preset: 'day' });
  });

  it('writes the URL query, clean for the default', () => {
    expect(overTimeQuery({ preset: 'day' })).toEqual({ range: null, from: null, to: null });
    expect(overTimeQuery({ preset: 'month' })).toEqual({ range: 'month', from: null, to: null });
    expect(overTimeQuery({ preset: 'custom', from: 1, to: 2 })).toEqual({ range: 'custom', from: '1', to: '2' });
  });

  it('asks for a preset ending now, in buckets that suit it, and for a zoom as chosen', () => {
    expect(overTimeRequest({ preset: 'hour' }, 10 * HOUR)).toEqual({ from: 9 * HOUR, to: 10 * HOUR, buckets: 60 });
    expect(overTimeRequest({ preset: 'day' }, 48 * HOUR)).toEqual({ from: 24 * HOUR, to: 48 * HOUR, buckets: 48 });
    expect(overTimeRequest({ preset: 'custom', from: 5, to: 500 }, 48 * HOUR)).toEqual({ from: 5, to: 500, buckets: 60 });
  });

  it('makes one stacked series per problem severity, worst first, in severity colours', () => {
    const data: ProblemsOverTime = {
      from: 0,
      to: 2 * HOUR,
      bucketMs: HOUR,
      buckets: [
        { t: 0, counts: { critical: 1, major: 2, minor: 0, degraded: 0, unknown: 0 } },
        { t: HOUR, counts: { critical: 0, major: 1, minor: 3, degraded: 1, unknown: 0 } },
      ],
    };
    const series = overTimeSeries(data);
    expect(series.map((s) => [s.name, s.color])).toEqual([
      ['Critical', SEVERITY_COLORS.critical],
      ['Major', SEVERITY_COLORS.major],
      ['Minor', SEVERITY_COLORS.minor],
      ['Degraded', SEVERITY_COLORS.degraded],
      ['Unknown', SEVERITY_COLORS.unknown],
    ]);
    expect(series[2]?.points).toEqual([
      { t: 0, value: 0 },
      { t: HOUR, value: 3 },
      { t: 2 * HOUR, value: 3 },
    ]);
    expect(overTimePeak(data)).toBe(5);
    expect(overTimePeak({ ...data, buckets: [] })).toBe(0);
  });
});

describe('dashboard: problems in words', () => {
  it('names a plugin on a host, an unreachable agent and a service, and links each', () => {
    expect(problemSubject(problem({}))).toBe('db-1 · Disk usage');
    expect(problemLink(problem({}))).toEqual(['/hosts', 3, 'detail']);
    expect(problemSubject(problem({ kind: 'host', pluginId: null, pluginName: null }))).toBe('db-1 · agent unreachable');
    const service = problem({ kind: 'service', hostId: null, hostName: null, pluginId: null, pluginName: null, serviceId: 2, serviceName: 'shop' });
    expect(problemSubject(service)).toBe('shop');
    expect(problemLink(service)).toEqual(['/reports/services', 2]);
    // Names of deleted objects: ids instead.
    expect(problemSubject(problem({ hostName: null, pluginName: null }))).toBe('host 3 · io.prophasis.disk-usage');
  });
});
