import { TestBed } from '@angular/core/testing';
import type { HttpTestingController } from '@angular/common/http/testing';
import type { ApiToken, ApiTokenCreated } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { setUpPage, settle } from '../../shared/ui/page-testing';
import { ApiTokensComponent } from './api-tokens.component';
import { apiTokenInput, curlExample, rolesUpTo, tokenState } from './api-tokens';

const DAY = 86_400_000;
const token = (over: Partial<ApiToken> = {}): ApiToken => ({
  id: 1,
  name: 'backup script',
  userName: 'operator',
  role: 'viewer',
  expiresAt: Date.now() + 30 * DAY,
  createdAt: Date.now() - DAY,
  lastUsedAt: null,
  revokedAt: null,
  ...over,
});

describe('ApiTokensComponent', () => {
  let http: HttpTestingController;
  afterEach(() => {
    http.verify();
    vi.restoreAllMocks();
  });

  async function render(tokens: ApiToken[]) {
    const fixture = TestBed.createComponent(ApiTokensComponent);
    fixture.detectChanges();
    await settle(fixture);
    http.expectOne('/api/tokens').flush(tokens);
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }
  const input = (el: HTMLElement, selector: string, value: string) => {
    const field = el.querySelector<HTMLInputElement>(selector)!;
    field.value = value;
    field.dispatchEvent(new Event('input'));
  };
  const click = (el: ParentNode, text: string) =>
    [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.replace(/\s+/g, ' ').trim() === text)!.click();
  const errorAt = (el: HTMLElement, control: string) => el.querySelector(`mat-form-field:has([formcontrolname="${control}"]) mat-error`)?.textContent?.trim();
  const cells = (el: HTMLElement) =>
    [...el.querySelectorAll('.tokens tbody tr')].map((r) => ['.name', '.user', '.role', '.status', '.used'].map((c) => r.querySelector(c)?.textContent?.replace(/\s+/g, ' ').trim()));

  it('lists tokens with user, role, state and last use; creates one and shows it once with Copy and a curl example', async () => {
    http = setUpPage('operator');
    const { fixture, el } = await render([
      token(),
      token({ id: 2, name: 'old ci', expiresAt: Date.now() - DAY, lastUsedAt: Date.UTC(2026, 0, 5, 10, 0) }),
      token({ id: 3, name: 'gone', revokedAt: Date.now() - 1000 }),
    ]);
    expect(cells(el).map((c) => [c[0], c[1], c[2], c[3]?.split(' ')[0], c[4]?.startsWith('Never') ? 'Never' : 'used'])).toEqual([
      ['backup script', 'operator', 'viewer', 'Active', 'Never'],
      ['old ci', 'operator', 'viewer', 'Expired', 'used'],
      ['gone', 'operator', 'viewer', 'Revoked', 'Never'],
    ]);
    expect(el.querySelector('.tokens tr[data-id="2"] .used')?.textContent).toContain('2026');
    // A revoked token cannot be revoked again.
    expect(el.querySelector('.tokens tr[data-id="3"] .revoke')).toBeNull();
    expect(el.querySelector('.tokens tr[data-id="1"] .revoke')).not.toBeNull();

    // An operator may give a token their own role or less: admin is not offered; 90 days by default.
    expect(el.querySelector('mat-select[formcontrolname="role"] .mat-mdc-select-value-text')?.textContent?.trim()).toBe('operator');
    el.querySelector<HTMLElement>('mat-select[formcontrolname="role"] .mat-mdc-select-trigger')!.click();
    await settle(fixture);
    expect([...document.querySelectorAll('mat-option')].map((o) => o.textContent?.trim())).toEqual(['viewer', 'operator']);
    [...document.querySelectorAll<HTMLElement>('mat-option')].find((o) => o.textContent?.trim() === 'viewer')!.click();
    await settle(fixture);
    expect(el.querySelector<HTMLInputElement>('input[formcontrolname="expiresInDays"]')!.value).toBe('90');

    input(el, 'input[formcontrolname="name"]', '  nightly export ');
    await settle(fixture);
    click(el.querySelector('form')!, 'Create token');
    await settle(fixture);
    const req = http.expectOne('/api/tokens');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ name: 'nightly export', role: 'viewer', expiresInDays: 90 });
    const created: ApiTokenCreated = { ...token({ id: 4, name: 'nightly export', expiresAt: Date.now() + 90 * DAY }), token: 'pht_secret123' };
    req.flush(created, { status: 201, statusText: 'Created' });
    await settle(fixture);

    const boxes = [...el.querySelectorAll('p-command-box')];
    expect(boxes.map((b) => b.querySelector('pre.command')?.textContent)).toEqual(['pht_secret123', `curl -H "Authorization: Bearer pht_secret123" ${location.origin}/api/hosts`]);
    expect(boxes.every((b) => b.querySelector('button.copy'))).toBe(true);
    expect(el.querySelector('.how')?.textContent).toContain('The token is shown only now');
    expect(el.querySelector('.tokens tr[data-id="4"] .name')?.textContent).toBe('nightly export');
    // Nothing but the creation's answer ever carried the token: the list row does not show it.
    expect(el.querySelector('.tokens')?.textContent).not.toContain('pht_secret123');

    // Copy writes the clipboard.
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    boxes[1]!.querySelector<HTMLButtonElement>('button.copy')!.click();
    await settle(fixture);
    expect(writeText).toHaveBeenCalledWith(`curl -H "Authorization: Bearer pht_secret123" ${location.origin}/api/hosts`);

    // Done forgets it: the page never shows it again.
    click(el, 'Done');
    await settle(fixture);
    expect(el.textContent).not.toContain('pht_secret123');
    expect(el.querySelector('form')).not.toBeNull();
  });

  it('shows the API refusals at the field they name and adds nothing', async () => {
    http = setUpPage('admin');
    const { fixture, el } = await render([token()]);

    // Refused in the browser first: a blank name and 400 days are never sent.
    input(el, 'input[formcontrolname="expiresInDays"]', '400');
    await settle(fixture);
    click(el.querySelector('form')!, 'Create token');
    await settle(fixture);
    http.expectNone('/api/tokens');
    expect(errorAt(el, 'name')).toBe('Required.');
    expect(errorAt(el, 'expiresInDays')).toBe('At most 365.');

    // 400 from the API's schema, naming the field.
    input(el, 'input[formcontrolname="name"]', 'ci');
    input(el, 'input[formcontrolname="expiresInDays"]', '30');
    await settle(fixture);
    click(el.querySelector('form')!, 'Create token');
    await settle(fixture);
    http
      .expectOne('/api/tokens')
      .flush(
        { code: 'CORE_VALIDATION', message: 'expiresInDays: must be <= 365', details: { field: 'expiresInDays', in: 'body', reason: 'must be <= 365' } },
        { status: 400, statusText: 'Bad Request' },
      );
    await settle(fixture);
    expect(errorAt(el, 'expiresInDays')).toBe('expiresInDays: must be <= 365');
    expect(el.querySelector('[role="alert"]')).toBeNull();

    // 403 for a role above the creator's (the user was demoted meanwhile), at the role.
    input(el, 'input[formcontrolname="expiresInDays"]', '31');
    await settle(fixture);
    click(el.querySelector('form')!, 'Create token');
    await settle(fixture);
    const refused = http.expectOne('/api/tokens');
    expect(refused.request.body).toEqual({ name: 'ci', role: 'admin', expiresInDays: 31 });
    refused.flush(
      { code: 'CORE_API_FORBIDDEN', message: 'Your role does not allow this: role: a token cannot have more rights than its creator (operator)', details: { field: 'role' } },
      { status: 403, statusText: 'Forbidden' },
    );
    await settle(fixture);
    expect(errorAt(el, 'role')).toContain('a token cannot have more rights than its creator (operator)');

    // Anything not tied to a field goes to the banner. Nothing was added; what was typed stays.
    el.querySelector<HTMLElement>('mat-select[formcontrolname="role"] .mat-mdc-select-trigger')!.click();
    await settle(fixture);
    [...document.querySelectorAll<HTMLElement>('mat-option')].find((o) => o.textContent?.trim() === 'operator')!.click();
    await settle(fixture);
    click(el.querySelector('form')!, 'Create token');
    await settle(fixture);
    http.expectOne('/api/tokens').flush({ code: 'CORE_API_INTERNAL', message: 'Internal error' }, { status: 500, statusText: 'Server Error' });
    await settle(fixture);
    expect(el.querySelector('[role="alert"]')?.textContent).toContain('Internal error');
    expect(el.querySelectorAll('.tokens tbody tr').length).toBe(1);
    expect(el.querySelector<HTMLInputElement>('input[formcontrolname="name"]')!.value).toBe('ci');
    expect(el.querySelectorAll('p-command-box').length).toBe(0);
  });

  it('revokes a token only after confirmation and marks it revoked', async () => {
    http = setUpPage('admin');
    const confirm = vi.spyOn(TestBed.inject(ConfirmService), 'confirm').mockResolvedValueOnce(false).mockResolvedValueOnce(true);
    const { fixture, el } = await render([token({ userName: 'operator' })]);
    expect(el.querySelector('h2')?.textContent).toContain('All tokens');

    click(el, 'Revoke');
    await settle(fixture);
    http.expectNone('/api/tokens/1');
    expect(confirm.mock.calls[0]?.[0].message).toContain('backup script');
    expect(confirm.mock.calls[0]?.[0].message).toContain("operator's");

    click(el, 'Revoke');
    await settle(fixture);
    const req = http.expectOne('/api/tokens/1');
    expect(req.request.method).toBe('DELETE');
    req.flush(token({ revokedAt: Date.now() }));
    await settle(fixture);
    expect(confirm).toHaveBeenCalledTimes(2);
    expect(el.querySelector('.tokens .status')?.textContent).toContain('Revoked');
    expect(el.querySelector('.tokens .revoke')).toBeNull();
  });

  it('shows a viewer their own tokens, the viewer role only, and an empty list as such', async () => {
    http = setUpPage('viewer');
    const { fixture, el } = await render([]);
    expect(el.querySelector('h2')?.textContent).toContain('Your tokens');
    expect(el.querySelector('.empty')?.textContent).toContain('No API tokens yet');
    el.querySelector<HTMLElement>('mat-select[formcontrolname="role"] .mat-mdc-select-trigger')!.click();
    await settle(fixture);
    expect([...document.querySelectorAll('mat-option')].map((o) => o.textContent?.trim())).toEqual(['viewer']);
  });

  it('judges states, roles, the curl line and the body without a page', () => {
    const now = 1_000;
    expect(tokenState({ revokedAt: null, expiresAt: 1_001 }, now)).toBe('active');
    expect(tokenState({ revokedAt: null, expiresAt: 1_000 }, now)).toBe('expired');
    expect(tokenState({ revokedAt: 5, expiresAt: 0 }, now)).toBe('revoked');
    expect(rolesUpTo('admin')).toEqual(['viewer', 'operator', 'admin']);
    expect(rolesUpTo('viewer')).toEqual(['viewer']);
    expect(curlExample('pht_x', 'https://mon.example:8443/')).toBe('curl -H "Authorization: Bearer pht_x" https://mon.example:8443/api/hosts');
    expect(apiTokenInput({ name: ' a ', role: 'operator', expiresInDays: '7' })).toEqual({ name: 'a', role: 'operator', expiresInDays: 7 });
  });
});
