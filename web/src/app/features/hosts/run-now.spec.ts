import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { HostReport } from '../../core/protocol';
import { setUpPage, settle } from '../../shared/ui/page-testing';
import { runNowNotice } from './host-detail';
import { HostDetailComponent } from './host-detail.component';

const report: HostReport = {
  host: {
    id: 7, name: 'db-1', description: '', agentId: 'db-1', enrolmentState: 'enrolled', connectedSince: 1, lastSeen: 2, unreachableSince: null,
    agentVersion: '0.3.1', platform: 'linux', hostname: 'db-1', createdAt: 0, updatedAt: 0,
  },
  severity: 'ok',
  presence: { state: 'connected', since: 1, lastSeen: 2 },
  from: 0,
  to: 1,
  resolutionMs: 0,
  plugins: [{ pluginId: 'io.prophasis.raid', checkId: 1, severity: 'ok', value: null, message: 'clean', resultType: 'plugin', measuredAt: 1, changedAt: 1, series: [] }],
};

describe('host detail: Run now', () => {
  let http: HttpTestingController;
  afterEach(() => {
    for (const r of http.match((r) => r.url === '/api/reports/transitions')) r.flush({ items: [], total: 0, limit: 50, offset: 0 });
    // The charts' threshold bands come from the checks' parameters.
    for (const r of http.match((r) => r.url === '/api/checks')) r.flush({ items: [], total: 0, limit: 500, offset: 0 });
    // The dependencies card and the devices panel (their own specs test them): none.
    for (const r of http.match((r) => /^\/api\/hosts\/\d+\/dependencies$/.test(r.url))) r.flush({ parents: [], ancestors: [], children: [], causedBy: null });
    for (const r of http.match((r) => /^\/api\/hosts\/\d+\/devices$/.test(r.url))) r.flush([]);
    http.verify();
  });

  async function render() {
    const fixture = TestBed.createComponent(HostDetailComponent);
    fixture.componentRef.setInput('id', '7');
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/api/plugins').flush({ items: [], total: 0, limit: 500, offset: 0 });
    http.expectOne((r) => r.url === '/api/reports/hosts/7').flush(report);
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }
  const runButton = (el: HTMLElement) => [...el.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Run now');

  it('lets an operator run a plugin and says the result will come live; no enrolment controls', async () => {
    http = setUpPage('operator');
    const { fixture, el } = await render();
    expect(el.textContent).not.toContain('Enrol agent');
    runButton(el)?.click();
    await settle(fixture);
    const req = http.expectOne('/api/hosts/7/run');
    expect(req.request.body).toEqual({ pluginId: 'io.prophasis.raid' });
    req.flush({ requestId: 'r-42' }, { status: 202, statusText: 'Accepted' });
    await settle(fixture);
    // Issue 21: what happened in words, never the raw request id.
    expect(el.querySelector('.run-note')?.textContent?.trim()).toBe('Asked the agent to run this plugin now; the result will appear here when it arrives.');
    expect(el.textContent).not.toContain('r-42');
  });

  it('hides Run now when the core has no such route, and viewers never see it', async () => {
    http = setUpPage('admin');
    const { fixture, el } = await render();
    expect(el.textContent).toContain('Revoke agent');
    runButton(el)?.click();
    await settle(fixture);
    http.expectOne('/api/hosts/7/run').flush({ code: 'CORE_API_NOT_FOUND', message: 'Not found: POST /api/hosts/7/run' }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    expect(runButton(el)).toBeUndefined();
    TestBed.resetTestingModule();
    http = setUpPage('viewer');
    const viewer = await render();
    expect(runButton(viewer.el)).toBeUndefined();
  });

  it('says so when the agent is not connected', () => {
    expect(runNowNotice('unreachable')).toContain('it is not connected, so the result will appear here once it reconnects');
    expect(runNowNotice('connected')).not.toContain('not connected');
  });
});
