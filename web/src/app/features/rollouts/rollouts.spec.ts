import type { HttpTestingController } from '@angular/common/http/testing';
import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Subject } from 'rxjs';
import { EventsService } from '../../core/events.service';
import type { ApiEvent, Plugin } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { page, settle, setUpPage } from '../../shared/ui/page-testing';
import { reportedPercent, rolloutStatus, stageCounts, versionChoices, type Rollout } from './rollouts';
import { RolloutsComponent } from './rollouts.component';

const version = (v: string) => ({ version: v, sha256: '0'.repeat(64), publisher: 'Acme', requestedCapabilities: [], approvedCapabilities: [], approvedAt: 0, historyCount: 1, createdAt: 0, defaultClassifier: '' });
const PLUGINS: Plugin[] = [
  { id: 4, pluginId: 'com.acme.raid', name: 'RAID', description: '', version: '1.10.0', versions: [version('1.9.0'), version('1.10.0'), version('1.2.0')], createdAt: 0, updatedAt: 0 },
  { id: 5, pluginId: 'io.prophasis.cpu-load', name: 'CPU load', description: '', version: '1.0.0', versions: [version('1.0.0')], createdAt: 0, updatedAt: 0 },
];
const GROUPS = [
  { id: 7, name: 'canary', description: '', hostIds: [1, 2], groupIds: [], createdAt: 0, updatedAt: 0 },
  { id: 8, name: 'eu', description: '', hostIds: [3], groupIds: [], createdAt: 0, updatedAt: 0 },
];
const RUNNING: Rollout = {
  pluginId: 'com.acme.raid',
  version: '1.10.0',
  groups: [7],
  startedAt: 1_000,
  abortedAt: null,
  progress: {
    usable: true,
    hostsTotal: 3,
    stageTotal: 2,
    reportedTotal: 1,
    severities: { major: 1, ok: 1 },
    stage: [
      { hostId: 1, name: 'canary-1', severity: 'major', since: 5, reported: true },
      { hostId: 2, name: 'canary-2', severity: 'ok', since: 5, reported: false },
    ],
  },
};
const ABORTED: Rollout = { ...RUNNING, pluginId: 'io.prophasis.cpu-load', version: '1.0.0', groups: [], abortedAt: 2_000, progress: { ...RUNNING.progress!, stageTotal: 0, reportedTotal: 0, severities: {}, stage: [] } };

describe('staged rollouts: status and progress', () => {
  it('says where a rollout stands and how far it got', () => {
    expect(rolloutStatus(RUNNING)).toBe('running');
    expect(rolloutStatus(ABORTED)).toBe('aborted');
    expect(rolloutStatus({ ...RUNNING, progress: { ...RUNNING.progress!, usable: false } })).toBe('waiting');
    expect(reportedPercent(RUNNING)).toBe(50);
    expect(reportedPercent(ABORTED)).toBe(0);
    expect(stageCounts(RUNNING).filter((c) => c.count > 0)).toEqual([
      { severity: 'major', count: 1 },
      { severity: 'ok', count: 1 },
    ]);
    // Semver order, not text order: 1.10.0 is newer than 1.9.0.
    expect(versionChoices(PLUGINS[0])).toEqual(['1.10.0', '1.9.0', '1.2.0']);
    expect(versionChoices(undefined)).toEqual([]);
  });
});

describe('staged rollouts page', { timeout: 20_000 }, () => {
  let http: HttpTestingController;
  const live = new Subject<ApiEvent>();
  afterEach(() => http.verify());

  async function render(role: 'admin' | 'viewer', answers: boolean[] = []) {
    http = setUpPage(role, [{ provide: EventsService, useValue: { events$: live.asObservable(), connected: signal(true) } }]);
    const asked: string[] = [];
    vi.spyOn(TestBed.inject(ConfirmService), 'confirm').mockImplementation(async (options) => {
      asked.push(options.title);
      return answers.shift() ?? false;
    });
    const fixture = TestBed.createComponent(RolloutsComponent);
    fixture.detectChanges();
    http.expectOne('/api/marketplace/rollouts').flush({ items: [RUNNING, ABORTED] });
    http.expectOne((r) => r.url === '/api/plugins').flush(page(PLUGINS));
    http.expectOne((r) => r.url === '/api/groups').flush(page(GROUPS));
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement, asked };
  }
  const card = (el: HTMLElement, pluginId: string) => el.querySelector<HTMLElement>(`.rollout[data-plugin="${pluginId}"]`)!;
  const button = (root: HTMLElement, text: string) => [...root.querySelectorAll('button')].find((b) => b.textContent?.trim() === text) as HTMLButtonElement;

  it('shows each rollout with its stage, its hosts worst first and the agents that reported the version; a viewer gets no actions', async () => {
    const { el } = await render('viewer');
    const running = card(el, 'com.acme.raid');
    expect(running.getAttribute('data-status')).toBe('running');
    expect(running.querySelector('mat-card-title a')?.textContent).toBe('RAID');
    expect(running.textContent).toContain('Stage: canary');
    expect(running.textContent).toContain('2 of 3 hosts in the stage');
    expect(running.textContent).toContain('1 of 2 agents reported 1.10.0');
    expect([...running.querySelectorAll('.hosts li a')].map((a) => a.textContent)).toEqual(['canary-1', 'canary-2']);
    expect(card(el, 'io.prophasis.cpu-load').textContent).toContain('No host gets 1.0.0 or anything newer');
    expect(el.querySelector('form')).toBeNull();
    expect(el.querySelectorAll('mat-card-actions').length).toBe(0);
  });

  it('starts a rollout of the newest version to the chosen groups; a refusal is shown in the API’s words', async () => {
    const { fixture, el } = await render('admin');
    const component = fixture.componentInstance as unknown as { form: { controls: Record<string, { setValue(v: unknown): void }> } };
    component.form.controls['pluginId']!.setValue('com.acme.raid');
    component.form.controls['groups']!.setValue([8]);
    await settle(fixture);
    button(el, 'Start rollout').click();
    await settle(fixture);
    const refused = http.expectOne((r) => r.method === 'PUT');
    refused.flush({ code: 'CORE_MARKET_INVALID_ROLLOUT', message: 'Invalid rollout: unknown host group' }, { status: 400, statusText: 'Bad Request' });
    await settle(fixture);
    expect(el.querySelector('[role="alert"]')?.textContent).toContain('unknown host group');
    button(el, 'Start rollout').click();
    await settle(fixture);
    const req = http.expectOne((r) => r.method === 'PUT');
    expect(req.request.url).toBe('/api/marketplace/rollouts/com.acme.raid');
    expect(req.request.body).toEqual({ version: '1.10.0', groups: [8] });
    req.flush({ items: [{ ...RUNNING, groups: [8] }] });
    await settle(fixture);
    expect(card(el, 'com.acme.raid').textContent).toContain('Stage: eu');
  });

  it('aborts and promotes only after confirmation, and reloads on a live change', async () => {
    const { fixture, el, asked } = await render('admin', [false, true, true]);
    button(card(el, 'com.acme.raid'), 'Abort').click();
    await settle(fixture);
    http.expectNone((r) => r.method === 'POST');
    button(card(el, 'com.acme.raid'), 'Abort').click();
    await settle(fixture);
    const abort = http.expectOne((r) => r.method === 'POST');
    expect(abort.request.url).toBe('/api/marketplace/rollouts/com.acme.raid/abort');
    abort.flush({ items: [{ ...RUNNING, groups: [], abortedAt: 3_000 }, ABORTED] });
    await settle(fixture);
    expect(card(el, 'com.acme.raid').getAttribute('data-status')).toBe('aborted');

    button(card(el, 'io.prophasis.cpu-load'), 'Promote to all hosts').click();
    await settle(fixture);
    const promote = http.expectOne((r) => r.method === 'DELETE');
    expect(promote.request.url).toBe('/api/marketplace/rollouts/io.prophasis.cpu-load');
    promote.flush({ items: [] });
    await settle(fixture);
    expect(asked).toEqual(['Abort the rollout?', 'Abort the rollout?', 'Promote to all hosts?']);
    expect(el.textContent).toContain('No staged rollouts');

    vi.useFakeTimers();
    live.next({ type: 'config.changed', ts: 1, data: { resource: 'marketplace' } } as ApiEvent);
    live.next({ type: 'state.changed', ts: 2, data: {} } as ApiEvent);
    vi.advanceTimersByTime(1_000);
    vi.useRealTimers();
    http.expectOne('/api/marketplace/rollouts').flush({ items: [RUNNING] }); // one reload for the burst
    await settle(fixture);
    expect(card(el, 'com.acme.raid')).not.toBeNull();
  });
});
