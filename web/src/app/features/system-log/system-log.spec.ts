import { logQuery } from './system-log.component';

describe('system log query', () => {
  it('leaves empty filters out and turns the local time range into epoch ms', () => {
    expect(logQuery({ level: '', component: ' ', from: '', to: '', q: '' }, 0, 50)).toEqual({
      level: undefined,
      component: undefined,
      from: undefined,
      to: undefined,
      q: undefined,
      limit: 50,
      offset: 0,
    });
    expect(logQuery({ level: 'warn', component: 'classification', from: '2026-01-02T03:04', to: '2026-01-03T00:00', q: ' timed out ' }, 2, 25)).toEqual({
      level: 'warn',
      component: 'classification',
      from: new Date(2026, 0, 2, 3, 4).getTime(),
      to: new Date(2026, 0, 3).getTime(),
      q: 'timed out',
      limit: 25,
      offset: 50,
    });
  });
});
