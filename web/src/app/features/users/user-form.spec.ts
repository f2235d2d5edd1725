import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { fieldMessage } from '../../shared/ui/form-errors';
import { answerAll, settle, setUpPage } from '../../shared/ui/page-testing';
import { createUserForm, MIN_PASSWORD_LENGTH, userInput } from './user-form';
import { UserFormComponent } from './user-form.component';

describe('user form', () => {
  it('requires a password of the policy length when adding a user', () => {
    const form = createUserForm();
    form.controls.name.setValue('night-shift');
    expect(fieldMessage(form.controls.password)).toBe('Required.');
    form.controls.password.setValue('short');
    expect(fieldMessage(form.controls.password)).toBe(`At least ${MIN_PASSWORD_LENGTH} characters.`);
    form.controls.password.setValue('a'.repeat(MIN_PASSWORD_LENGTH));
    expect(form.valid).toBe(true);
    expect(userInput(form)).toEqual({ name: 'night-shift', role: 'viewer', password: 'a'.repeat(MIN_PASSWORD_LENGTH) });
  });

  it('keeps the current password when editing with the field left empty', () => {
    const form = createUserForm({ name: 'ops', role: 'operator' });
    expect(form.valid).toBe(true);
    expect(userInput(form)).toEqual({ name: 'ops', role: 'operator' });
  });

  describe('page', () => {
    let http: HttpTestingController;
    beforeEach(() => (http = setUpPage('admin')));
    afterEach(() => http.verify());

    it('shows the API’s password refusal under the password field', async () => {
      const fixture = TestBed.createComponent(UserFormComponent);
      fixture.componentRef.setInput('id', '2');
      fixture.detectChanges();
      await answerAll(http, fixture, { 'users/2': { id: 2, name: 'ops', role: 'operator', lastLoginAt: null, createdAt: 0 } });
      const el = fixture.nativeElement as HTMLElement;
      const password = el.querySelector<HTMLInputElement>('input[type="password"]');
      if (!password) throw new Error('no password field');
      password.value = 'opsopsopsopsops';
      password.dispatchEvent(new Event('input'));
      (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
      const req = http.expectOne((r) => r.method === 'PUT' && r.url === '/api/users/2');
      expect(req.request.body).toEqual({ name: 'ops', role: 'operator', password: 'opsopsopsopsops' });
      req.flush(
        { code: 'CORE_API_WEAK_PASSWORD', message: 'Password too weak: it must not contain the user name', details: { field: 'password' } },
        { status: 400, statusText: 'Bad Request' },
      );
      await settle(fixture);
      expect(el.querySelector('mat-error')?.textContent?.trim()).toBe('Password too weak: it must not contain the user name');
      expect(el.querySelector('.p-error-banner')).toBeNull();
    });
  });
});
