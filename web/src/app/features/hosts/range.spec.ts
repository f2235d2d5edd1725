import { toLocalInput } from '../../shared/ui/local-time';
import { choiceFromQuery, choiceToQuery, customChoice, rangeInputs, resolutionLabel, resolveRange } from './range';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 25, 12, 30, 0);

describe('range picker: from/to', () => {
  it('ends every preset now and starts it one hour, day, week or 30 days before', () => {
    expect(resolveRange({ preset: 'hour' }, NOW)).toEqual({ from: NOW - HOUR, to: NOW });
    expect(resolveRange({ preset: 'day' }, NOW)).toEqual({ from: NOW - DAY, to: NOW });
    expect(resolveRange({ preset: 'week' }, NOW)).toEqual({ from: NOW - 7 * DAY, to: NOW });
    expect(resolveRange({ preset: 'month' }, NOW)).toEqual({ from: NOW - 30 * DAY, to: NOW });
  });

  it('slides a preset with the clock', () => {
    const later = NOW + 5 * 60_000;
    expect(resolveRange({ preset: 'hour' }, later)).toEqual({ from: later - HOUR, to: later });
  });

  it('takes a custom range as given, and refuses one that is incomplete or backwards', () => {
    expect(resolveRange({ preset: 'custom', from: NOW - 2 * HOUR, to: NOW - HOUR }, NOW)).toEqual({ from: NOW - 2 * HOUR, to: NOW - HOUR });
    expect(resolveRange({ preset: 'custom', from: NOW - HOUR }, NOW)).toEqual({ error: 'Choose both a start and an end.' });
    expect(resolveRange({ preset: 'custom', from: NOW, to: NOW }, NOW)).toEqual({ error: 'The start must be before the end.' });
    expect(resolveRange({ preset: 'custom', from: NOW, to: NOW - HOUR }, NOW)).toEqual({ error: 'The start must be before the end.' });
  });

  it('reads the custom inputs as the user’s local time and refuses text that is no date', () => {
    const from = new Date(2026, 10, 24, 8, 0).getTime();
    const to = new Date(2026, 10, 24, 17, 45).getTime();
    expect(customChoice('2026-11-24T08:00', '2026-11-24T17:45')).toEqual({ preset: 'custom', from, to });
    expect(resolveRange(customChoice('2026-11-24T08:00', ''), NOW)).toEqual({ error: 'Choose both a start and an end.' });
    expect(resolveRange(customChoice('2026-02-31T08:00', '2026-03-01T08:00'), NOW)).toEqual({ error: 'Choose both a start and an end.' });
  });

  it('pre-fills the custom inputs with the shown range, widened to whole minutes', () => {
    const inputs = rangeInputs({ from: NOW - HOUR + 12_345, to: NOW + 1 });
    expect(inputs.from).toBe(toLocalInput(NOW - HOUR));
    expect(inputs.to).toBe(toLocalInput(NOW + 60_000));
  });

  it('keeps the choice in the URL query and reads it back; nonsense falls back to the last day', () => {
    for (const choice of [{ preset: 'hour' as const }, { preset: 'week' as const }, { preset: 'month' as const }, { preset: 'custom' as const, from: 1000, to: 5000 }]) {
      const q = choiceToQuery(choice);
      expect(choiceFromQuery(q['range'] ?? undefined, q['from'] ?? undefined, q['to'] ?? undefined)).toEqual(choice);
    }
    expect(choiceToQuery({ preset: 'day' })).toEqual({ range: null, from: null, to: null });
    expect(choiceFromQuery(undefined, undefined, undefined)).toEqual({ preset: 'day' });
    expect(choiceFromQuery('year', undefined, undefined)).toEqual({ preset: 'day' });
    expect(choiceFromQuery('custom', '5000', '1000')).toEqual({ preset: 'day' });
    expect(choiceFromQuery('custom', 'x', '1000')).toEqual({ preset: 'day' });
  });

  it('says how the API aggregated the points', () => {
    expect(resolutionLabel(0)).toBe('every result');
    expect(resolutionLabel(60_000)).toBe('averages per minute');
    expect(resolutionLabel(HOUR)).toBe('averages per hour');
    // Issue 21: never "averages per 1 minutes".
    expect(resolutionLabel(80_000)).toBe('averages per 1 minute');
    expect(resolutionLabel(300_000)).toBe('averages per 5 minutes');
  });
});
