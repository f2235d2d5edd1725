import { TestBed } from '@angular/core/testing';
import type { HttpTestingController } from '@angular/common/http/testing';
import type { FleetToken, FleetTokenTicket, HostGroup, RegistrationRule } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { buttonTexts, page, setUpPage, settle } from '../../shared/ui/page-testing';
import { AutoRegistrationComponent } from './auto-registration.component';
import { fleetTokenInput, moved } from './auto-registration';

const group = (id: number, name: string): HostGroup => ({ id, name, description: '', hostIds: [], groupIds: [], createdAt: 0, updatedAt: 0 });
const GROUPS = [group(1, 'linux'), group(2, 'web'), group(3, 'office')];

const token = (over: Partial<FleetToken> = {}): FleetToken => ({
  id: 1,
  name: 'office laptops',
  status: 'active',
  expiresAt: Date.UTC(2030, 0, 2),
  revokedAt: null,
  maxHosts: 20,
  hostsRegistered: 3,
  groupIds: [3],
  tags: ['site:hq'],
  lastUsedAt: null,
  createdBy: 'api:admin',
  createdAt: 0,
  ...over,
});

const rule = (id: number, name: string, over: Partial<RegistrationRule> = {}): RegistrationRule => ({
  id,
  name,
  position: id,
  hostnamePattern: null,
  platform: null,
  arch: null,
  groupIds: [1],
  stop: false,
  createdAt: 0,
  updatedAt: 0,
  ...over,
});
const RULES = [rule(1, 'every linux host', { platform: 'linux' }), rule(2, 'web servers', { hostnamePattern: 'web-*', groupIds: [2] })];

describe('AutoRegistrationComponent', () => {
  let http: HttpTestingController;
  afterEach(() => {
    http.verify();
    vi.restoreAllMocks();
  });

  async function render(tokens: FleetToken[] = [token()], rules: RegistrationRule[] = RULES) {
    const fixture = TestBed.createComponent(AutoRegistrationComponent);
    fixture.detectChanges();
    await settle(fixture);
    http.expectOne((r) => r.url === '/api/groups').flush(page(GROUPS));
    await settle(fixture);
    http.expectOne('/api/fleet-tokens').flush(tokens);
    http.expectOne('/api/registration-rules').flush(rules);
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }
  const input = (el: HTMLElement, selector: string, value: string) => {
    const field = el.querySelector<HTMLInputElement>(selector)!;
    field.value = value;
    field.dispatchEvent(new Event('input'));
  };
  const click = (el: HTMLElement, text: string, root: ParentNode = el) =>
    [...root.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.replace(/\s+/g, ' ').trim() === text)!.click();

  it('lists the tokens with uses, limit and expiry, creates one and shows its install line once', async () => {
    http = setUpPage('admin');
    const { fixture, el } = await render();
    const row = el.querySelector('.tokens tbody tr')!;
    expect(row.querySelector('.name')?.textContent).toBe('office laptops');
    expect(row.querySelector('.uses')?.textContent?.trim()).toBe('3 / 20');
    expect(row.querySelector('.status')?.textContent?.trim()).toBe('Active');
    expect(row.querySelector('.groups')?.textContent).toBe('office');
    expect(row.textContent).toContain('2030');

    const form = el.querySelector('p-fleet-tokens form')!;
    input(el, 'p-fleet-tokens input[formcontrolname="name"]', 'lab boards');
    input(el, 'p-fleet-tokens input[formcontrolname="maxHosts"]', '5');
    input(el, 'p-fleet-tokens input[formcontrolname="tags"]', 'lab, arm , lab');
    [...form.querySelectorAll<HTMLInputElement>('mat-checkbox input')].find((c) => c.closest('mat-checkbox')?.textContent?.includes('web'))!.click();
    await settle(fixture);
    click(el, 'Create token', form);
    await settle(fixture);
    const req = http.expectOne('/api/fleet-tokens');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ name: 'lab boards', ttlDays: 30, maxHosts: 5, groupIds: [2], tags: ['lab', 'arm'] });
    const ticket: FleetTokenTicket = {
      fleetToken: token({ id: 2, name: 'lab boards', maxHosts: 5, hostsRegistered: 0, groupIds: [2], tags: ['lab', 'arm'] }),
      token: 'pfleet_secret',
      installCommand: 'curl -fsSL http://core:8080/install.sh | sudo sh -s -- --url http://core:8080 --server core:8883 --ca-fingerprint ab --token pfleet_secret --sha256 cd',
      enrolCommand: 'prophasis-agent enroll --server core:8883 --token pfleet_secret --ca-fingerprint ab',
      caFingerprint: 'ab',
    };
    req.flush(ticket, { status: 201, statusText: 'Created' });
    await settle(fixture);
    expect([...el.querySelectorAll('p-fleet-tokens pre.command')].map((p) => p.textContent)).toEqual([ticket.installCommand, ticket.enrolCommand]);
    expect(el.querySelector('p-fleet-tokens .how')?.textContent).toContain('The token is shown only now');
    expect(el.querySelector('p-fleet-tokens .expires')?.textContent).toContain('at most 5 hosts');
    expect([...el.querySelectorAll('.tokens .name')].map((n) => n.textContent)).toEqual(['lab boards', 'office laptops']);
    // Done forgets the token: it is not shown again.
    click(el, 'Done');
    await settle(fixture);
    expect(el.textContent).not.toContain('pfleet_secret');
  });

  it('shows the API refusal and adds nothing; revokes a token only after confirmation', async () => {
    http = setUpPage('admin');
    const confirm = vi.spyOn(TestBed.inject(ConfirmService), 'confirm').mockResolvedValueOnce(false).mockResolvedValueOnce(true);
    const { fixture, el } = await render();
    input(el, 'p-fleet-tokens input[formcontrolname="name"]', 'x');
    await settle(fixture);
    click(el, 'Create token', el.querySelector('p-fleet-tokens form')!);
    await settle(fixture);
    http
      .expectOne('/api/fleet-tokens')
      .flush({ code: 'CORE_API_UNAVAILABLE', message: 'Not available: the agent packages could not be built' }, { status: 503, statusText: 'Unavailable' });
    await settle(fixture);
    expect(el.querySelector('p-fleet-tokens [role="alert"]')?.textContent).toContain('the agent packages could not be built');
    expect(el.querySelectorAll('.tokens tbody tr').length).toBe(1);

    click(el, 'Revoke');
    await settle(fixture);
    http.expectNone('/api/fleet-tokens/1/revoke');
    click(el, 'Revoke');
    await settle(fixture);
    const req = http.expectOne('/api/fleet-tokens/1/revoke');
    expect(req.request.body).toEqual({});
    req.flush(token({ status: 'revoked', revokedAt: 1 }));
    await settle(fixture);
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(el.querySelector('.tokens .status')?.textContent?.trim()).toBe('Revoked');
    expect(el.querySelector('.tokens .revoke')).toBeNull();
  });

  it('edits the ordered rules: moves, adds, edits, and tries them', async () => {
    http = setUpPage('admin');
    const { fixture, el } = await render();
    const rules = () => [...el.querySelectorAll('.rules .rule')].map((r) => `${r.querySelector('.name')?.textContent}: ${r.querySelector('.conditions')?.textContent} → ${r.querySelector('.groups')?.textContent}`);
    expect(rules()).toEqual(['every linux host: platform linux → linux', 'web servers: host name web-* → web']);

    el.querySelector<HTMLButtonElement>('.rule[data-id="1"] .down')!.click();
    await settle(fixture);
    const order = http.expectOne('/api/registration-rules/order');
    expect([order.request.method, order.request.body]).toEqual(['PUT', { ids: [2, 1] }]);
    order.flush([RULES[1], RULES[0]]);
    await settle(fixture);
    expect(rules()[0]).toContain('web servers');

    const editor = el.querySelector('p-registration-rules .editor')!;
    input(editor as HTMLElement, 'input[formcontrolname="name"]', 'arm boards');
    input(editor as HTMLElement, 'input[formcontrolname="arch"]', 'arm64');
    [...editor.querySelectorAll<HTMLInputElement>('p-checkbox-list mat-checkbox input')].find((c) => c.closest('mat-checkbox')?.textContent?.includes('office'))!.click();
    await settle(fixture);
    click(el, 'Add rule', editor);
    await settle(fixture);
    const added = http.expectOne((r) => r.url === '/api/registration-rules' && r.method === 'POST');
    expect(added.request.body).toEqual({ name: 'arm boards', hostnamePattern: null, platform: null, arch: 'arm64', groupIds: [3], stop: false });
    added.flush(rule(3, 'arm boards', { arch: 'arm64', groupIds: [3] }), { status: 201, statusText: 'Created' });
    await settle(fixture);
    http.expectOne((r) => r.url === '/api/registration-rules' && r.method === 'GET').flush([RULES[1], RULES[0], rule(3, 'arm boards', { arch: 'arm64', groupIds: [3] })]);
    await settle(fixture);
    expect(rules()[2]).toBe('arm boards: architecture arm64 → office');

    el.querySelector<HTMLButtonElement>('.rule[data-id="2"] .edit')!.click();
    await settle(fixture);
    expect(editor.querySelector('mat-card-title')?.textContent).toContain('Edit rule “web servers”');
    input(editor as HTMLElement, 'input[formcontrolname="hostnamePattern"]', '/^web-[0-9]+$/');
    await settle(fixture);
    click(el, 'Save rule', editor);
    await settle(fixture);
    const saved = http.expectOne('/api/registration-rules/2');
    expect([saved.request.method, saved.request.body.hostnamePattern, saved.request.body.groupIds]).toEqual(['PUT', '/^web-[0-9]+$/', [2]]);
    saved.flush({ code: 'CORE_ENROL_INVALID_PATTERN', message: 'Invalid host name pattern: hostnamePattern: …' }, { status: 400, statusText: 'Bad Request' });
    await settle(fixture);
    expect(editor.querySelector('[role="alert"]')?.textContent).toContain('Invalid host name pattern');
    expect(editor.querySelector('mat-card-title')?.textContent).toContain('Edit rule'); // a refused edit keeps the form

    const trial = el.querySelector('p-registration-rules .try')!;
    input(trial as HTMLElement, 'input[formcontrolname="hostname"]', 'web-7');
    await settle(fixture);
    click(el, 'Try', trial);
    await settle(fixture);
    const preview = http.expectOne('/api/registration-rules/preview');
    expect(preview.request.body).toEqual({ hostname: 'web-7', platform: 'linux', arch: 'x64' });
    preview.flush({ ruleIds: [2, 1], groupIds: [1, 2] });
    await settle(fixture);
    expect(trial.querySelector('.preview')?.textContent).toContain('Matches “web servers”, “every linux host” → joins linux, web');
  });

  it('tells non-administrators the page is for administrators and asks the API nothing', async () => {
    http = setUpPage('operator');
    const fixture = TestBed.createComponent(AutoRegistrationComponent);
    fixture.detectChanges();
    await settle(fixture);
    const el = fixture.nativeElement as HTMLElement;
    expect(el.textContent).toContain('Only administrators');
    expect(buttonTexts(el)).toEqual([]);
  });

  it('turns the form into the API body and moves ids', () => {
    expect(fleetTokenInput({ name: ' a ', ttlDays: 7, maxHosts: null, tags: ' x, ,y,x ', groupIds: [] })).toEqual({ name: 'a', ttlDays: 7, groupIds: [], tags: ['x', 'y'] });
    expect(moved([1, 2, 3], 3, 1)).toEqual([1, 2, 3]);
    expect(moved([1, 2, 3], 3, -1)).toEqual([1, 3, 2]);
  });
});
