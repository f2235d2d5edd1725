import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideNoopAnimations } from '@angular/platform-browser/animations';
import { provideRouter, Router } from '@angular/router';
import { ApiError } from '../../core/api-error';
import { AuthService } from '../../core/auth.service';
import type { Host } from '../../core/protocol';
import { applyApiError, fieldMessage } from '../../shared/ui/form-errors';
import { createHostForm, hostInput } from './host-form';
import { HostFormComponent } from './host-form.component';

describe('host form validation', () => {
  it('requires a name with more than spaces, within the API limit', () => {
    const form = createHostForm();
    const name = form.controls.name;
    expect(form.valid).toBe(false);
    expect(fieldMessage(name)).toBe('Required.');
    name.setValue('   ');
    expect(fieldMessage(name)).toBe('Must contain more than spaces.');
    name.setValue('x'.repeat(129));
    expect(fieldMessage(name)).toBe('At most 128 characters.');
    name.setValue('mail-server');
    expect(name.valid).toBe(true);
    expect(form.valid).toBe(true);
  });

  it('limits the description to the API maximum and allows it empty', () => {
    const form = createHostForm({ name: 'db', description: '' });
    expect(form.valid).toBe(true);
    form.controls.description.setValue('d'.repeat(2001));
    expect(fieldMessage(form.controls.description)).toBe('At most 2000 characters.');
    form.controls.description.setValue('d'.repeat(2000));
    expect(form.valid).toBe(true);
  });

  it('builds the API input trimmed', () => {
    const form = createHostForm({ name: '  db-1 ', description: ' primary ' });
    expect(hostInput(form)).toEqual({ name: 'db-1', description: 'primary', tags: [] });
    form.controls.tags.setValue(' site:hq, laptops ,, site:hq');
    expect(hostInput(form).tags).toEqual(['site:hq', 'laptops']);
  });

  it('puts an API error on the field it names, else at the top of the form', () => {
    const form = createHostForm({ name: 'db', description: '' });
    expect(applyApiError(form, new ApiError(409, 'CORE_API_NAME_TAKEN', 'Name already in use: db'))).toBeUndefined();
    expect(fieldMessage(form.controls.name)).toBe('Name already in use: db');
    expect(form.controls.name.touched).toBe(true);
    // Editing the field clears the server's complaint.
    form.controls.name.setValue('db2');
    expect(form.controls.name.valid).toBe(true);
    expect(applyApiError(form, new ApiError(403, 'CORE_API_FORBIDDEN', 'Your role does not allow this'))).toBe('Your role does not allow this');
  });
});

describe('HostFormComponent', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), provideNoopAnimations()],
    });
    http = TestBed.inject(HttpTestingController);
    // An administrator is signed in.
    const auth = TestBed.inject(AuthService);
    void auth.ensureLoaded();
    http.expectOne('/api/auth/me').flush({ id: 1, name: 'admin', role: 'admin', expiresAt: Date.now() + 3_600_000 });
  });

  afterEach(() => {
    // The dependencies card of an existing host (host-dependencies.component.spec.ts tests it).
    for (const r of http.match((r) => /^\/api\/hosts\/\d+\/dependencies$/.test(r.url))) r.flush({ parents: [], ancestors: [], children: [], causedBy: null });
    for (const r of http.match((r) => r.url === '/api/hosts' && r.method === 'GET')) r.flush({ items: [], total: 0, limit: 500, offset: 0 });
    http.verify();
  });

  async function render(id?: string) {
    const fixture = TestBed.createComponent(HostFormComponent);
    if (id !== undefined) fixture.componentRef.setInput('id', id);
    fixture.detectChanges();
    await fixture.whenStable();
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  /** Lets the component's promise chains (HTTP → signal updates) run to their end. */
  async function settle(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }): Promise<void> {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await fixture.whenStable();
    fixture.detectChanges();
  }

  function submit(el: HTMLElement): void {
    el.querySelector('form')?.dispatchEvent(new Event('submit'));
  }

  it('does not send an invalid form and shows why under the field', async () => {
    const { fixture, el } = await render();
    // Every field carries help text (Material swaps it for the error once one shows).
    expect(el.querySelectorAll('mat-hint').length).toBe(el.querySelectorAll('mat-form-field').length);
    submit(el);
    fixture.detectChanges();
    http.expectNone('/api/hosts');
    expect(el.querySelector('mat-error')?.textContent?.trim()).toBe('Required.');
  });

  it('creates a host and shows the API error under the name when it is taken', async () => {
    const { fixture, el } = await render();
    const input = el.querySelector<HTMLInputElement>('input[formcontrolname="name"]');
    if (!input) throw new Error('no name input');
    input.value = 'db';
    input.dispatchEvent(new Event('input'));
    submit(el);
    const req = http.expectOne('/api/hosts');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ name: 'db', description: '', tags: [] });
    req.flush({ code: 'CORE_API_NAME_TAKEN', message: 'Name already in use: db' }, { status: 409, statusText: 'Conflict' });
    await settle(fixture);
    expect(el.querySelector('mat-error')?.textContent?.trim()).toBe('Name already in use: db');
    expect(el.querySelector('.p-error-banner')).toBeNull();
  });

  it('loads a host for editing and saves it with PUT', async () => {
    const router = TestBed.inject(Router);
    const navigate = vi.spyOn(router, 'navigate').mockResolvedValue(true);
    const { fixture, el } = await render('7');
    const host: Host = {
      id: 7,
      name: 'web-1',
      description: 'front',
      agentId: 'web-1',
      enrolmentState: 'enrolled',
      connectedSince: 1,
      lastSeen: 2,
      unreachableSince: null,
      agentVersion: '0.1.0',
      platform: 'linux',
      hostname: 'web-1.example',
      tags: ['rack:7'],
      fleetTokenId: 3,
      createdAt: 1,
      updatedAt: 1,
    };
    http.expectOne('/api/hosts/7').flush(host);
    await settle(fixture);
    expect(el.querySelector<HTMLInputElement>('input[formcontrolname="name"]')?.value).toBe('web-1');
    expect(el.textContent).toContain('Connected');
    expect(el.querySelector('.registered')?.textContent).toBe('fleet token #3');
    expect(el.querySelector<HTMLInputElement>('input[formcontrolname="tags"]')?.value).toBe('rack:7');
    submit(el);
    const req = http.expectOne('/api/hosts/7');
    expect(req.request.method).toBe('PUT');
    expect(req.request.body).toEqual({ name: 'web-1', description: 'front', tags: ['rack:7'] });
    req.flush(host);
    await settle(fixture);
    expect(navigate).toHaveBeenCalledWith(['/hosts']);
  });
});
