import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { HousekeepingRun, HousekeepingStatus, Settings } from '../../core/protocol';
import { answerAll, buttonTexts, settle, setUpPage } from '../../shared/ui/page-testing';
import { SettingsComponent } from './settings.component';

const settings: Settings = {
  maxLatenessMs: 60_000,
  retentionRawDays: 30,
  retentionMinuteDays: 90,
  retentionHourDays: 730,
  retentionSystemLogDays: 90,
  retentionTransitionsDays: 730,
  retentionAuditDays: 365,
  retentionAlertDeliveriesDays: 30,
  retentionEnrolmentTokensDays: 7,
  flapLowPercent: 20,
  flapHighPercent: 30,
  publicUrl: 'https://mon.example.com',
  smtp: { host: '', port: 587, secure: false, user: '', from: '' },
  smtpPasswordSet: false,
};
const run: HousekeepingRun = {
  startedAt: Date.UTC(2026, 11, 7, 10, 0),
  durationMs: 1500,
  trigger: 'schedule',
  removed: [{ table: 'results', rows: 5000, partitionsDropped: 1 }],
  partitionsCreated: 1,
  errors: [{ table: 'audit_log', message: 'disk I/O error' }],
};
const status: HousekeepingStatus = {
  dialect: 'postgres',
  databaseBytes: 3 * 1024 ** 3,
  tables: [
    { table: 'results', rows: 123456, rowsEstimated: true, bytes: 2 * 1024 ** 3, partitions: 34, retentionSetting: 'retentionRawDays' },
    { table: 'sessions', rows: 3, rowsEstimated: true, bytes: 16384, partitions: null, retentionSetting: null },
  ],
  lastRun: null,
  running: false,
  nextRunAt: Date.UTC(2026, 11, 7, 11, 0),
  intervalMs: 3_600_000,
};

describe('settings page: housekeeping', () => {
  let http: HttpTestingController;
  afterEach(() => http.verify());

  async function render(role: 'viewer' | 'admin', housekeeping: HousekeepingStatus) {
    http = setUpPage(role);
    const fixture = TestBed.createComponent(SettingsComponent);
    fixture.detectChanges();
    await answerAll(http, fixture, { settings, housekeeping });
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  it('shows each table with its rows, size and how long it is kept, and says when it has not run yet', async () => {
    const { el } = await render('viewer', status);
    const rows = [...el.querySelectorAll('table[aria-label="Table sizes"] tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim()));
    expect(rows).toEqual([
      ['Raw results', 'about 123,456', '2.0 GiB', '30 days · 34 day partitions'],
      ['Sign-in sessions', 'about 3', '16 KiB', 'until they expire'],
    ]);
    expect(el.textContent).toContain('Database: 3.0 GiB (PostgreSQL).');
    expect(el.textContent).toContain('Housekeeping has not run yet.');
    expect(buttonTexts(el)).not.toContain('Run housekeeping now');
    expect(el.querySelector('p-config-panel')).toBeNull();
  });

  it('shows the last run with what it removed and what failed; an administrator runs it now and sees the new state', async () => {
    const { fixture, el } = await render('admin', { ...status, lastRun: run });
    const last = el.querySelector('[data-testid="last-run"]')?.textContent?.replace(/\s+/g, ' ');
    expect(last).toContain('Removed 5,000 rows (Raw results 5,000) and dropped 1 partition in 1.5 s.');
    expect(last).toContain('Audit trail failed: disk I/O error');
    // Configuration as code, for administrators only.
    expect(el.querySelector('p-config-panel a[href="/api/config/export"]')?.textContent).toContain('Export (download YAML)');

    const button = [...el.querySelectorAll('button')].find((b) => b.textContent?.includes('Run housekeeping now'))!;
    button.click();
    const post = http.expectOne((r) => r.method === 'POST' && r.url === '/api/housekeeping/run');
    const fresh = { ...run, startedAt: run.startedAt + 3_600_000, removed: [{ table: 'system_log', rows: 1, partitionsDropped: 0 }], errors: [] };
    post.flush(fresh);
    await settle(fixture);
    await answerAll(http, fixture, { housekeeping: { ...status, lastRun: fresh } });
    expect(el.querySelector('[data-testid="last-run"]')?.textContent).toContain('Removed 1 row (System log 1) in 1.5 s.');
  });
});
