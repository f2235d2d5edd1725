import { describeWindow, newDraft, toSilenceInput } from './silence-form';
import type { Silence } from '../../core/protocol';

describe('silence form', () => {
  it('a one-off draft sends start and end, a weekly one its zone, times and days only', () => {
    const draft = newDraft(Date.UTC(2026, 0, 1, 10), { hostId: 4 }, 'Europe/Berlin');
    const once = toSilenceInput({ ...draft, name: ' Swap ' });
    expect(once.name).toBe('Swap');
    expect(once.scopes.hostIds).toEqual([4]);
    expect(once.endsAt! - once.startsAt!).toBe(3_600_000);
    expect(once.timeZone).toBeUndefined();
    const weekly = toSilenceInput({ ...draft, name: 'Patch', kind: 'weekly', weekdays: [3, 1] });
    expect(weekly).toEqual(expect.objectContaining({ kind: 'weekly', timeZone: 'Europe/Berlin', startTime: '22:00', endTime: '02:00', weekdays: [1, 3] }));
    expect(weekly.startsAt).toBeUndefined();
  });

  it('opened for one plugin on a host, the draft covers that problem only, not the whole host; checks and plugins go as chosen', () => {
    const draft = newDraft(Date.UTC(2026, 0, 1, 10), { hostId: 4, pluginId: 9 }, 'UTC');
    expect(draft.hostIds).toEqual([]);
    const input = toSilenceInput({ ...draft, name: 'Disk', checkIds: [2], pluginIds: ['io.prophasis.cpu-load'] });
    expect(input.scopes).toEqual({ hostIds: [], groupIds: [], serviceIds: [], checkIds: [2], pluginIds: ['io.prophasis.cpu-load'], problem: { hostId: 4, pluginId: 9 } });
    expect(toSilenceInput(newDraft(0, { hostId: 4 }, 'UTC')).scopes).toEqual({ hostIds: [4], groupIds: [], serviceIds: [], checkIds: [], pluginIds: [] });
  });

  it('says when a window applies', () => {
    const s = { kind: 'weekly', weekdays: [1, 5], startTime: '22:00', endTime: '02:00', timeZone: 'UTC' } as unknown as Silence;
    expect(describeWindow(s, String)).toBe('Mon, Fri 22:00–02:00 (UTC)');
  });
});
