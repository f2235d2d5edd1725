import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { Publisher } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { settle, setUpPage } from '../../shared/ui/page-testing';
import { PublisherKeysComponent } from './publisher-keys.component';

const key = (over: Partial<Publisher>): Publisher => ({ keyId: 'a'.repeat(64), name: 'Acme', publicKeyPem: 'PEM', addedBy: 'ann', addedAt: 0, site: false, ...over });
const SITE = key({ keyId: 'b'.repeat(64), name: 'This site (first-party plugins)', addedBy: 'site', site: true });
const ACME = key({});
const PEM = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----';

describe('publisher keys page', { timeout: 20_000 }, () => {
  let http: HttpTestingController;
  afterEach(() => http.verify());

  async function render(role: 'admin' | 'viewer', before?: () => void) {
    http = setUpPage(role);
    before?.();
    const fixture = TestBed.createComponent(PublisherKeysComponent);
    fixture.detectChanges();
    http.expectOne('/api/publishers').flush({ items: [SITE, ACME] });
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }
  const type = (el: HTMLElement, selector: string, value: string) => {
    const input = el.querySelector<HTMLInputElement | HTMLTextAreaElement>(selector)!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
  };

  it('lists the keys with grouped fingerprints; the site key has no Revoke, and a viewer gets no form', async () => {
    const { el } = await render('viewer');
    const items = el.querySelectorAll('.keys li');
    expect(items.length).toBe(2);
    expect(items[0]!.textContent).toContain('this site');
    expect(items[1]!.querySelector('.fingerprint')?.textContent).toBe(('aaaa ').repeat(15) + 'aaaa');
    expect(el.querySelector('form')).toBeNull();
    expect(el.querySelector('.revoke')).toBeNull();
  });

  it('trusts a key an administrator pastes, showing its fingerprint; a refusal is shown in the API’s words', async () => {
    const { fixture, el } = await render('admin');
    expect(el.querySelectorAll('.revoke').length).toBe(1);
    (el.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    await settle(fixture);
    http.expectNone('/api/publishers'); // empty fields are refused in the browser first
    expect(el.textContent).toContain('Required.');

    type(el, 'input[formcontrolname="name"]', 'Beta Ltd');
    type(el, 'textarea[formcontrolname="publicKeyPem"]', 'not a key');
    (el.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    await settle(fixture);
    const refused = http.expectOne((r) => r.method === 'POST' && r.url === '/api/publishers');
    refused.flush({ code: 'BUNDLE_BAD_KEY', message: 'The public key is not a valid Ed25519 key', details: {} }, { status: 400, statusText: 'Bad Request' });
    await settle(fixture);
    expect(el.querySelector('[role="alert"]')?.textContent).toContain('not a valid Ed25519 key');

    type(el, 'textarea[formcontrolname="publicKeyPem"]', `  ${PEM}\n`);
    (el.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    await settle(fixture);
    const req = http.expectOne((r) => r.method === 'POST' && r.url === '/api/publishers');
    expect(req.request.body).toEqual({ name: 'Beta Ltd', publicKeyPem: PEM });
    req.flush(key({ keyId: 'c'.repeat(64), name: 'Beta Ltd' }));
    await settle(fixture);
    expect(el.querySelectorAll('.keys li').length).toBe(3);
    expect(el.querySelector('[role="status"]')?.textContent).toContain('cccc cccc');
  });

  it('revokes a key only after confirmation', async () => {
    const asked: string[] = [];
    const answers = [false, true];
    const { fixture, el } = await render('admin', () => {
      vi.spyOn(TestBed.inject(ConfirmService), 'confirm').mockImplementation(async (options) => {
        asked.push(options.message);
        return answers.shift() ?? false;
      });
    });
    (el.querySelector('.revoke') as HTMLButtonElement).click();
    await settle(fixture);
    http.expectNone(`/api/publishers/${ACME.keyId}`);
    expect(asked[0]).toContain('Acme');
    (el.querySelector('.revoke') as HTMLButtonElement).click();
    await settle(fixture);
    const req = http.expectOne(`/api/publishers/${ACME.keyId}`);
    expect(req.request.method).toBe('DELETE');
    req.flush(null, { status: 204, statusText: 'No Content' });
    await settle(fixture);
    expect(el.querySelectorAll('.keys li').length).toBe(1);
    expect(el.querySelector('.revoke')).toBeNull();
  });
});
