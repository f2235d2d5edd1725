import type { HttpTestingController } from '@angular/common/http/testing';
import { ChangeDetectionStrategy, Component, input, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { Router } from '@angular/router';
import type { Me } from '../../core/protocol';
import { ConfirmService, type ConfirmOptions } from './confirm-dialog.component';
import { fieldMessage } from './form-errors';
import { FormActionsComponent } from './form-actions.component';
import { FormHeaderComponent } from './form-header.component';
import { createFormStore, type FormStoreConfig } from './form-store';
import { loadAll } from './load-all';
import { answerAll, buttonTexts, settle, setUpPage } from './page-testing';

interface Thing {
  id: number;
  name: string;
}
interface Kind {
  id: number;
  name: string;
}
type Config = FormStoreConfig<Thing, { name: string }, Kind[]>;

/** What a test changes in the store's configuration before the page is created. */
let overrides: Partial<Config> = {};

/** The smallest add/edit page: one field, the shared header and buttons, one list. */
@Component({
  selector: 'p-thing-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, FormActionsComponent, FormHeaderComponent],
  template: `
    <section class="p-page">
      <p-form-header [store]="store" />
      <form [formGroup]="form" (ngSubmit)="store.save()" novalidate>
        <input formControlName="name" />
        <span class="field-error">{{ message(form.controls.name) }}</span>
        <p-form-actions [store]="store" />
      </form>
    </section>
  `,
})
class ThingFormComponent {
  readonly id = input<string>();
  readonly form = new FormGroup({ name: new FormControl('', { nonNullable: true, validators: [Validators.required] }) });
  readonly kinds = signal<readonly Kind[]>([]);
  protected readonly message = fieldMessage;
  readonly store = createFormStore<Thing, { name: string }, Kind[]>({
    id: this.id,
    form: this.form,
    resource: 'things',
    back: '/things',
    noun: 'thing',
    lists: (api) => loadAll<Kind>(api, 'kinds'),
    reset: (thing) => this.form.reset({ name: thing?.name ?? '' }),
    loaded: (_, kinds) => this.kinds.set(kinds),
    body: () => ({ name: this.form.getRawValue().name.trim() }),
    deleteMessage: (thing) => `“${thing.name}” goes.`,
    ...overrides,
  });
}

/** The same page with its buttons outside the form, like the service's. */
@Component({
  selector: 'p-thing-boxes',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, FormActionsComponent],
  template: `
    <form [formGroup]="form" novalidate><input formControlName="name" /></form>
    <p-form-actions [store]="store" outsideForm />
  `,
})
class ThingBoxesComponent extends ThingFormComponent {}

const DATA = { kinds: [{ id: 1, name: 'round' }], 'things/5': { id: 5, name: 'ball' } };

describe('form store and the shared form header and buttons', () => {
  let http: HttpTestingController;
  let router: Router;
  const asked: ConfirmOptions[] = [];
  let answer = true;

  function setUp(role: Me['role'] = 'admin'): void {
    asked.length = 0;
    answer = true;
    overrides = {};
    const confirm = { confirm: (options: ConfirmOptions) => (asked.push(options), Promise.resolve(answer)) };
    http = setUpPage(role, [{ provide: ConfirmService, useValue: confirm }]);
    router = TestBed.inject(Router);
    vi.spyOn(router, 'navigate').mockResolvedValue(true);
  }

  async function render(id?: string, component: typeof ThingFormComponent = ThingFormComponent) {
    const fixture = TestBed.createComponent(component);
    if (id !== undefined) fixture.componentRef.setInput('id', id);
    fixture.detectChanges();
    await answerAll(http, fixture, DATA);
    return { fixture, el: fixture.nativeElement as HTMLElement, page: fixture.componentInstance };
  }

  const submit = (el: HTMLElement) => el.querySelector('form')?.dispatchEvent(new Event('submit'));
  const type = (el: HTMLElement, text: string) => {
    const input = el.querySelector<HTMLInputElement>('input[formcontrolname="name"]');
    if (!input) throw new Error('no name field');
    input.value = text;
    input.dispatchEvent(new Event('input'));
  };
  const button = (el: HTMLElement, text: string) => [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => b.textContent?.trim() === text);

  afterEach(() => http.verify());

  describe('as an administrator', () => {
    beforeEach(() => setUp('admin'));

    it('starts a new object with its heading and buttons, keeping what was typed while the lists load', async () => {
      const fixture = TestBed.createComponent(ThingFormComponent);
      fixture.detectChanges();
      const el = fixture.nativeElement as HTMLElement;
      // Loading: the bar shows until the lists arrive (the e2e suite waits for it to go).
      expect(el.querySelector('mat-progress-bar')).not.toBeNull();
      type(el, 'typed early');
      await answerAll(http, fixture, DATA);
      expect(fixture.componentInstance.form.controls.name.value).toBe('typed early');
      expect(fixture.componentInstance.kinds()).toEqual(DATA.kinds);
      expect(el.querySelector('mat-progress-bar')).toBeNull();
      expect(el.querySelector('h1')?.textContent?.trim()).toBe('Add thing');
      expect(el.querySelector('a')?.textContent?.trim()).toBe('← Things');
      expect(el.querySelector('a')?.getAttribute('href')).toBe('/things');
      expect(buttonTexts(el)).toEqual(['Add thing', 'Cancel']);
    });

    it('sends a new object with POST and goes back to the list', async () => {
      const { fixture, el } = await render();
      submit(el);
      await settle(fixture);
      // Invalid: nothing sent, the reason under the field.
      http.expectNone('/api/things');
      expect(el.querySelector('.field-error')?.textContent).toBe('Required.');
      type(el, ' cube ');
      submit(el);
      // Busy: a second submit while the first is on its way sends nothing more.
      submit(el);
      const req = http.expectOne('/api/things');
      expect(req.request.method).toBe('POST');
      expect(req.request.body).toEqual({ name: 'cube' });
      fixture.detectChanges();
      expect(button(el, 'Add thing')?.disabled).toBe(true);
      req.flush({ id: 6, name: 'cube' });
      await settle(fixture);
      expect(router.navigate).toHaveBeenCalledWith(['/things']);
      expect(button(el, 'Add thing')?.disabled).toBe(false);
    });

    it('loads an existing object into the form, saves it with PUT and deletes it after asking', async () => {
      const { fixture, el, page } = await render('5');
      expect(el.querySelector('h1')?.textContent?.trim()).toBe('ball');
      expect(page.form.controls.name.value).toBe('ball');
      expect(buttonTexts(el)).toEqual(['Save', 'Cancel', 'Delete thing']);
      submit(el);
      const put = http.expectOne('/api/things/5');
      expect(put.request.method).toBe('PUT');
      expect(put.request.body).toEqual({ name: 'ball' });
      put.flush(DATA['things/5']);
      await settle(fixture);
      expect(router.navigate).toHaveBeenCalledWith(['/things']);

      vi.mocked(router.navigate).mockClear();
      answer = false;
      button(el, 'Delete thing')?.click();
      await settle(fixture);
      expect(asked).toEqual([{ title: 'Delete thing?', message: '“ball” goes.', confirmLabel: 'Delete' }]);
      http.expectNone('/api/things/5');
      answer = true;
      button(el, 'Delete thing')?.click();
      await settle(fixture);
      const del = http.expectOne('/api/things/5');
      expect(del.request.method).toBe('DELETE');
      del.flush(null);
      await settle(fixture);
      expect(router.navigate).toHaveBeenCalledWith(['/things']);
    });

    it('shows a refusal at the field it names, and anything else in the banner', async () => {
      const { fixture, el } = await render('5');
      submit(el);
      http.expectOne('/api/things/5').flush({ code: 'CORE_API_NAME_TAKEN', message: 'Name already in use: ball' }, { status: 409, statusText: 'Conflict' });
      await settle(fixture);
      expect(el.querySelector('.field-error')?.textContent).toBe('Name already in use: ball');
      expect(el.querySelector('.p-error-banner')).toBeNull();
      type(el, 'ball 2');
      submit(el);
      http.expectOne('/api/things/5').flush({ code: 'CORE_DB', message: 'The database is busy' }, { status: 503, statusText: 'Unavailable' });
      await settle(fixture);
      expect(el.querySelector('.p-error-banner')?.textContent).toBe('The database is busy');
      expect(router.navigate).not.toHaveBeenCalled();
      // A failed delete says why in the same place.
      button(el, 'Delete thing')?.click();
      await settle(fixture);
      http.expectOne('/api/things/5').flush({ code: 'CORE_API_IN_USE', message: 'Still in use' }, { status: 409, statusText: 'Conflict' });
      await settle(fixture);
      expect(el.querySelector('.p-error-banner')?.textContent).toBe('Still in use');
    });

    it('shows why the object could not be loaded', async () => {
      const fixture = TestBed.createComponent(ThingFormComponent);
      fixture.componentRef.setInput('id', '9');
      fixture.detectChanges();
      http.expectOne((r) => r.url === '/api/kinds').flush({ items: [], total: 0, limit: 500, offset: 0 });
      http.expectOne('/api/things/9').flush({ code: 'CORE_API_NOT_FOUND', message: 'No such thing: 9' }, { status: 404, statusText: 'Not Found' });
      await settle(fixture);
      const el = fixture.nativeElement as HTMLElement;
      expect(el.querySelector('.p-error-banner')?.textContent).toBe('No such thing: 9');
      expect(el.querySelector('mat-progress-bar')).toBeNull();
      expect(el.querySelector('h1')?.textContent?.trim()).toBe('Thing');
    });

    it('lets the page block saving, keep its own messages and place refusals itself', async () => {
      const calls: string[] = [];
      setUpHooks({
        blocked: () => (calls.push('blocked'), calls.filter((c) => c === 'blocked').length === 1),
        body: () => (calls.push('body'), calls.filter((c) => c === 'body').length === 1 ? undefined : { name: 'x' }),
        saving: () => calls.push('saving'),
        refused: (e) => (calls.push(`refused ${e.code}`), 'placed by the page'),
        saved: async (thing, created) => void calls.push(`saved ${thing.id} ${created}`),
      });
      const { fixture, el } = await render('5');
      submit(el); // blocked
      submit(el); // body undefined
      http.expectNone('/api/things/5');
      submit(el);
      http.expectOne('/api/things/5').flush({ code: 'CORE_X', message: 'no' }, { status: 400, statusText: 'Bad Request' });
      await settle(fixture);
      expect(el.querySelector('.p-error-banner')?.textContent).toBe('placed by the page');
      submit(el);
      http.expectOne('/api/things/5').flush({ id: 5, name: 'x' });
      await settle(fixture);
      expect(calls).toEqual(['blocked', 'blocked', 'body', 'blocked', 'body', 'saving', 'refused CORE_X', 'blocked', 'body', 'saving', 'saved 5 false']);
      expect(router.navigate).not.toHaveBeenCalled();
    });

    it('saves on click when its buttons lie outside the form', async () => {
      const { fixture, el } = await render('5', ThingBoxesComponent);
      expect(button(el, 'Save')?.type).toBe('button');
      button(el, 'Save')?.click();
      http.expectOne((r) => r.method === 'PUT' && r.url === '/api/things/5').flush(DATA['things/5']);
      await settle(fixture);
      expect(router.navigate).toHaveBeenCalledWith(['/things']);
    });
  });

  describe('as a viewer', () => {
    beforeEach(() => setUp('viewer'));

    it('shows the object read-only: fields disabled, a note instead of the buttons', async () => {
      const { el, page } = await render('5');
      expect(page.form.disabled).toBe(true);
      expect(buttonTexts(el)).toEqual([]);
      expect(el.querySelector('.danger')).toBeNull();
      expect(el.textContent).toContain('Your role can view things but not change them.');
    });

    it('asks nothing while loadWhen does not hold', async () => {
      setUpHooks({ loadWhen: () => false });
      const fixture = TestBed.createComponent(ThingFormComponent);
      fixture.componentRef.setInput('id', '5');
      fixture.detectChanges();
      await settle(fixture);
      http.expectNone(() => true);
      expect((fixture.nativeElement as HTMLElement).querySelector('h1')?.textContent?.trim()).toBe('Thing');
    });
  });

  function setUpHooks(hooks: Partial<Config>): void {
    overrides = hooks;
  }
});
