import type { HttpTestingController } from '@angular/common/http/testing';
import type { Type } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { Me } from '../core/protocol';
import { answerAll, buttonTexts, setUpPage } from '../shared/ui/page-testing';
import { AlertFormComponent } from './alerts/alert-form.component';
import { CheckFormComponent } from './checks/check-form.component';
import { HostGroupFormComponent } from './host-groups/host-group-form.component';
import { PluginDetailComponent } from './plugins/plugin-detail.component';
import { ScheduleFormComponent } from './schedules/schedule-form.component';
import { ServiceFormComponent } from './services/service-form.component';
import { SettingsComponent } from './settings/settings.component';
import { UserFormComponent } from './users/user-form.component';
import { UserListComponent } from './users/user-list.component';

/** Every page's data, by API path. */
const stamp = { createdAt: 0, updatedAt: 0 };
const version = { version: '1.0.0', sha256: '0'.repeat(64), publisher: 'P', requestedCapabilities: ['os.info'], approvedCapabilities: null, approvedAt: null, historyCount: 5, createdAt: 0 };
const DATA = {
  'classifier-overrides': { items: [] },
  hosts: [{ id: 1, name: 'web-1', description: '' }],
  groups: [{ id: 2, name: 'web', description: '', hostIds: [1], groupIds: [] }],
  plugins: [{ id: 1, pluginId: 'io.prophasis.disk', name: 'Disk', description: '', version: '1.0.0', versions: [{ ...version, manifest: { parameters: { type: 'object', properties: { mount: { type: 'string' } } } } }], ...stamp }],
  checks: [{ id: 1, name: 'disk', description: '', hostIds: [1], groupIds: [], plugins: [{ pluginId: 'io.prophasis.disk', params: { mount: '/' } }] }],
  services: [],
  'groups/2': { id: 2, name: 'web', description: '', hostIds: [1], groupIds: [], ...stamp },
  'checks/1': { id: 1, name: 'disk', description: '', hostIds: [1], groupIds: [], plugins: [{ pluginId: 'io.prophasis.disk', params: { mount: '/' } }], ...stamp },
  'schedules/1': { id: 1, name: 's', description: '', enabled: true, checkIds: [1], intervals: [{ start: 0, everyMs: 60_000 }], ...stamp },
  'services/1': { id: 1, name: 'shop', description: '', dependencies: [{ kind: 'host', id: 1 }], redundancyGroups: [{ name: 'g', members: [{ kind: 'group', id: 2 }] }], ...stamp },
  'alerts/1': { id: 1, name: 'a', enabled: true, fromStates: ['ok'], toStates: ['major'], scopes: { hostIds: [1], groupIds: [], serviceIds: [], pluginIds: [], checkIds: [] }, module: 'email', settings: { to: 'a@b.c' }, ...stamp },
  'plugins/1': { id: 1, pluginId: 'io.prophasis.disk', name: 'Disk', description: '', version: '1.0.0', versions: [version], ...stamp },
  settings: { maxLatenessMs: 60_000, retentionRawDays: 7, retentionMinuteDays: 30, retentionHourDays: 365, retentionSystemLogDays: 30, retentionTransitionsDays: 730, retentionAuditDays: 365, retentionAlertDeliveriesDays: 30, retentionEnrolmentTokensDays: 7, flapLowPercent: 20, flapHighPercent: 30, publicUrl: '', smtp: { host: '', port: 587, secure: false, user: '', from: '' }, smtpPasswordSet: false },
  housekeeping: { dialect: 'sqlite', databaseBytes: 4096, tables: [], lastRun: null, running: false, nextRunAt: null, intervalMs: 3_600_000 },
};

const PAGES: [name: string, component: Type<unknown>, id?: string][] = [
  ['host group', HostGroupFormComponent, '2'],
  ['check', CheckFormComponent, '1'],
  ['schedule', ScheduleFormComponent, '1'],
  ['service', ServiceFormComponent, '1'],
  ['alert', AlertFormComponent, '1'],
  ['plugin', PluginDetailComponent, '1'],
  ['settings', SettingsComponent],
];

/** Words on buttons that change something. */
const EDITING = /^(save|add|delete|remove|upload|approve)|settings$|^\+|×/i;

async function render(role: Me['role'], component: Type<unknown>, id?: string) {
  const http = setUpPage(role);
  const fixture = TestBed.createComponent(component);
  if (id !== undefined) fixture.componentRef.setInput('id', id);
  fixture.detectChanges();
  await answerAll(http, fixture, DATA);
  return { http, el: fixture.nativeElement as HTMLElement };
}

describe('read-only roles', () => {
  let http: HttpTestingController | undefined;
  afterEach(() => http?.verify());

  for (const [name, component, id] of PAGES) {
    it(`a viewer sees the ${name} page without edit controls, fields disabled`, async () => {
      const page = await render('viewer', component, id);
      http = page.http;
      const el = page.el;
      const editing = buttonTexts(el).filter((t) => EDITING.test(t));
      expect(editing).toEqual([]);
      expect(el.querySelectorAll('.x, .remove, .danger').length).toBe(0);
      for (const input of el.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input:not([type="search"]), textarea')) {
        expect(input.disabled).toBe(true);
      }
      for (const box of el.querySelectorAll('mat-checkbox input, mat-slide-toggle button, p-severity-chips button')) {
        expect((box as HTMLInputElement | HTMLButtonElement).disabled).toBe(true);
      }
    });

    it(`an administrator gets the ${name} page's edit controls`, async () => {
      const page = await render('admin', component, id);
      http = page.http;
      expect(buttonTexts(page.el).filter((t) => /^(save|delete)/i.test(t)).length).toBeGreaterThan(0);
    });
  }

  it('a viewer is told users are for administrators, without asking the API', async () => {
    const page = await render('viewer', UserListComponent);
    http = page.http;
    expect(page.el.textContent).toContain('Only administrators can see and manage users.');
    expect(buttonTexts(page.el)).toEqual([]);
    const form = await (async () => {
      TestBed.resetTestingModule();
      return render('operator', UserFormComponent, '2');
    })();
    http = form.http;
    expect(form.el.querySelector('form')).toBeNull();
    expect(form.el.textContent).toContain('Only administrators');
  });
});
