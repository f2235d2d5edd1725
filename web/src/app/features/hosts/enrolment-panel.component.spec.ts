import { TestBed } from '@angular/core/testing';
import type { HttpTestingController } from '@angular/common/http/testing';
import type { EnrolmentTicket, Host } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { buttonTexts, setUpPage, settle } from '../../shared/ui/page-testing';
import { copyText } from '../../shared/ui/copy-text';
import { EnrolmentPanelComponent } from './enrolment-panel.component';

const host = (over: Partial<Host> = {}): Host => ({
  id: 7,
  name: 'db-1',
  description: '',
  agentId: null,
  enrolmentState: 'pending',
  connectedSince: null,
  lastSeen: null,
  unreachableSince: null,
  agentVersion: null,
  platform: null,
  hostname: null,
  createdAt: 0,
  updatedAt: 0,
  ...over,
});

const ticket: EnrolmentTicket = {
  hostId: 7,
  token: 'tok-123',
  expiresAt: Date.UTC(2030, 0, 2, 3, 4),
  installCommand: `curl -fsSL http://core.example:8080/install.sh | sudo sh -s -- --url http://core.example:8080 --server core.example:8883 --ca-fingerprint ${'ab12'.repeat(16)} --token tok-123 --sha256 ${'cd'.repeat(32)}`,
  enrolCommand: `prophasis-agent enroll --server core.example:8883 --token tok-123 --ca-fingerprint ${'ab12'.repeat(16)}`,
  caFingerprint: 'ab12'.repeat(16),
};

describe('EnrolmentPanelComponent', () => {
  let http: HttpTestingController;
  afterEach(() => {
    http.verify();
    vi.restoreAllMocks();
  });

  async function render(h: Host, autoEnrol = false) {
    const fixture = TestBed.createComponent(EnrolmentPanelComponent);
    fixture.componentRef.setInput('host', h);
    fixture.componentRef.setInput('autoEnrol', autoEnrol);
    fixture.detectChanges();
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  it('issues a token after a host was added and shows both commands, expiry and CA fingerprint; Copy writes the clipboard', async () => {
    http = setUpPage('admin');
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { fixture, el } = await render(host(), true);
    const req = http.expectOne('/api/hosts/7/enrolment');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ ttlMinutes: 60, reenrol: false });
    // The first answer may wait for the agent packages to be built: the panel says so meanwhile.
    expect(el.querySelector('.preparing')?.textContent).toContain('builds the agent packages');
    req.flush(ticket, { status: 201, statusText: 'Created' });
    await settle(fixture);
    expect(el.querySelector('.preparing')).toBeNull();
    const commands = [...el.querySelectorAll('pre.command')].map((p) => p.textContent);
    expect(commands).toEqual([ticket.installCommand, ticket.enrolCommand]);
    expect(el.querySelector('.how')?.textContent).toContain('Paste this line into a shell on the host');
    expect(el.querySelector('.how')?.textContent).toContain('the unprivileged user prophasis');
    expect(el.querySelector('.fingerprint')?.textContent).toBe(ticket.caFingerprint);
    expect(el.querySelector('.expires')?.textContent).toContain('2030');
    const copy = el.querySelectorAll<HTMLButtonElement>('button.copy');
    expect(copy.length).toBe(2);
    copy[1]?.click();
    await settle(fixture);
    expect(writeText).toHaveBeenCalledWith(ticket.enrolCommand);
    expect(copy[1]?.textContent?.trim()).toBe('Copied');
  });

  it('selects the command when the clipboard refuses', async () => {
    http = setUpPage('admin');
    const pre = document.createElement('pre');
    pre.textContent = 'echo hi';
    document.body.append(pre);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: vi.fn().mockRejectedValue(new Error('denied')) }, configurable: true });
    expect(await copyText('echo hi', pre)).toBe(false);
    expect(getSelection()?.toString()).toBe('echo hi');
    pre.remove();
  });

  it('revokes an enrolled agent only after confirmation', async () => {
    http = setUpPage('admin');
    const confirm = vi.spyOn(TestBed.inject(ConfirmService), 'confirm').mockResolvedValueOnce(false).mockResolvedValueOnce(true);
    const { fixture, el } = await render(host({ enrolmentState: 'enrolled', agentId: 'db-1' }));
    const changed: Host[] = [];
    fixture.componentInstance.hostChange.subscribe((h) => changed.push(h));
    http.expectNone('/api/hosts/7/enrolment');
    const revoke = () => [...el.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Revoke agent')?.click();
    revoke();
    await settle(fixture);
    http.expectNone('/api/hosts/7/revoke');
    revoke();
    await settle(fixture);
    const req = http.expectOne('/api/hosts/7/revoke');
    req.flush(host({ enrolmentState: 'revoked' }));
    await settle(fixture);
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(changed.map((h) => h.enrolmentState)).toEqual(['revoked']);
    // The parent passes the revoked host back in: no more Revoke button.
    fixture.componentRef.setInput('host', changed[0]);
    await settle(fixture);
    expect(buttonTexts(el)).not.toContain('Revoke agent');
  });

  it('hides Enrol agent when the core has no such route, and shows other errors', async () => {
    http = setUpPage('admin');
    const { fixture, el } = await render(host());
    expect(buttonTexts(el)).toContain('Enrol agent');
    [...el.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Enrol agent')?.click();
    await settle(fixture);
    http
      .expectOne('/api/hosts/7/enrolment')
      .flush({ code: 'CORE_API_UNAVAILABLE', message: 'enrolment is not available' }, { status: 503, statusText: 'Unavailable' });
    await settle(fixture);
    expect(el.querySelector('[role="alert"]')?.textContent).toContain('enrolment is not available');
    [...el.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Enrol agent')?.click();
    await settle(fixture);
    http
      .expectOne('/api/hosts/7/enrolment')
      .flush({ code: 'CORE_API_NOT_FOUND', message: 'Not found: POST /api/hosts/7/enrolment' }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    expect(buttonTexts(el)).not.toContain('Enrol agent');
  });

  it('shows nothing to viewers', async () => {
    http = setUpPage('viewer');
    const { el } = await render(host(), true);
    http.expectNone('/api/hosts/7/enrolment');
    expect(el.textContent?.trim()).toBe('');
  });
});
