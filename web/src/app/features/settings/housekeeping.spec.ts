import type { HousekeepingRun, Settings } from '../../core/protocol';
import { describeRun, formatBytes, formatRows, keptFor, tableLabel } from './housekeeping';

describe('housekeeping on the settings page', () => {
  it('says sizes in binary units and estimated rows as such', () => {
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(250 * 1024 * 1024)).toBe('250 MiB');
    expect(formatRows({ rows: 1234567, rowsEstimated: true })).toBe('about 1,234,567');
    expect(formatRows({ rows: 12, rowsEstimated: false })).toBe('12');
  });

  it('names each table and how long it keeps rows, from the settings', () => {
    const settings = { retentionRawDays: 30, retentionAuditDays: 1 } as Settings;
    expect(tableLabel('rollups_minute')).toBe('Per-minute summaries');
    expect(keptFor({ retentionSetting: 'retentionRawDays' }, settings)).toBe('30 days');
    expect(keptFor({ retentionSetting: 'retentionAuditDays' }, settings)).toBe('1 day');
    expect(keptFor({ retentionSetting: null }, settings)).toBe('until they expire');
    expect(keptFor({ retentionSetting: 'retentionRawDays' }, undefined)).toBe('—');
  });

  it('describes what a run removed and how long it took', () => {
    const run: HousekeepingRun = {
      startedAt: 0,
      durationMs: 420,
      trigger: 'schedule',
      removed: [
        { table: 'results', rows: 1200, partitionsDropped: 1 },
        { table: 'system_log', rows: 34, partitionsDropped: 0 },
        { table: 'sessions', rows: 0, partitionsDropped: 0 },
      ],
      partitionsCreated: 0,
      errors: [],
    };
    expect(describeRun(run)).toBe('Removed 1,234 rows (Raw results 1,200, System log 34) and dropped 1 partition in 0.4 s.');
    expect(describeRun({ ...run, removed: [] })).toBe('Removed 0 rows in 0.4 s.');
  });
});
