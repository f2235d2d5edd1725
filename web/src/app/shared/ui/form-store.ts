import { computed, effect, inject, signal, untracked, type Signal, type WritableSignal } from '@angular/core';
import type { FormGroup } from '@angular/forms';
import { Router } from '@angular/router';
import { toApiError, type ApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import { ConfirmService } from './confirm-dialog.component';
import { applyApiError } from './form-errors';

/** What every configuration object the console edits has. */
export interface NamedObject {
  id: number;
  name: string;
}

/**
 * How one add/edit form talks to its resource: what the store needs to know about the API
 * collection and the hooks through which the component keeps its own fields, lists and checks.
 * Only `id`, `form`, `resource`, `back`, `noun`, `reset`, `body` and `deleteMessage` are required.
 */
export interface FormStoreConfig<T extends NamedObject, Body, Lists = undefined> {
  /** The route parameter (`/things/:id`); undefined on `/things/new`. */
  readonly id: Signal<string | undefined>;
  /** The form the component draws; validated, reset and enabled for administrators by the store. */
  readonly form: FormGroup;
  /** The API collection: `GET|PUT <resource>/:id`, `POST <resource>`, `DELETE <resource>/:id`. */
  readonly resource: string;
  /** The list to go back to after saving, deleting or cancelling, e.g. `/host-groups`. */
  readonly back: string;
  /** What the object is called in headings, buttons and the delete dialog, e.g. `host group`. */
  readonly noun: string;
  /** `Delete <noun>` unless the button says it shorter (`Delete group`). */
  readonly deleteLabel?: string;
  /** Lists the form offers (hosts, plugins…), loaded together with the object. */
  readonly lists?: (api: ApiService) => Promise<Lists>;
  /** Puts an object into the form; undefined starts a new one. */
  readonly reset: (item: T | undefined) => void;
  /** After every load, once the form was reset: takes the lists and anything else the page keeps. */
  readonly loaded?: (item: T | undefined, lists: Lists) => void;
  /** Generated forms beside the main one (parameters, settings): enabled and disabled with it. */
  readonly subforms?: () => readonly (FormGroup | undefined)[];
  /** Load only while this holds (users: the API shows them to administrators only). */
  readonly loadWhen?: () => boolean;
  /** Checks what lies outside the form; true blocks saving (after showing why). Always called on save. */
  readonly blocked?: () => boolean;
  /** The request body once everything is valid, or undefined to send nothing (the component said why). */
  readonly body: () => Body | undefined;
  /** Clears the component's own error messages when a save starts. */
  readonly saving?: () => void;
  /** Places a refusal of the API; returns the text for the banner. Default: {@link applyApiError}. */
  readonly refused?: (error: ApiError) => string | undefined;
  /** Where to go once saved; default: back to the list. */
  readonly saved?: (item: T, created: boolean) => Promise<unknown>;
  /** The delete dialog's message: what goes with the object and what stays. */
  readonly deleteMessage: (item: T) => string;
}

/** The state of one add/edit form, for its component and for `<p-form-header>` / `<p-form-actions>`. */
export interface FormStore<T extends NamedObject> {
  /** The object as loaded; undefined while adding (or before it arrived). */
  readonly item: WritableSignal<T | undefined>;
  /** True on `/things/:id`, false on `/things/new`. */
  readonly editing: Signal<boolean>;
  /** The object and the lists are being loaded. */
  readonly loading: Signal<boolean>;
  /** A save is on its way. */
  readonly busy: Signal<boolean>;
  /** The banner at the top of the form: the API's message, or the component's. */
  readonly error: WritableSignal<string | undefined>;
  /** The object's name in words (`host group`); its plural adds an s. */
  readonly noun: string;
  readonly deleteLabel: string;
  /** The list to go back to, e.g. `/host-groups`. */
  readonly back: string;
  /** Validates, sends `POST` or `PUT`, and goes back; refusals land on the fields or the banner. */
  save(): Promise<void>;
  /** Asks for confirmation, deletes and goes back. */
  remove(): Promise<void>;
}

/**
 * The load / save / delete / error handling every add/edit form of the console shares:
 * loads the object named by the route (or starts a new one) with the lists the form offers,
 * keeps what the user typed into a new object while those lists load, sends `POST` for a new
 * object and `PUT` for an existing one, shows the API's refusal at the field it names or in the
 * banner, deletes after a confirmation, and enables the form only for users who may configure.
 * Call it in an injection context (a component's field initialiser); the fields, their
 * validation and anything else the page shows stay in the component.
 */
export function createFormStore<T extends NamedObject, Body, Lists = undefined>(config: FormStoreConfig<T, Body, Lists>): FormStore<T> {
  const api = inject(ApiService);
  const router = inject(Router);
  const confirm = inject(ConfirmService);
  const auth = inject(AuthService);
  const { form, resource } = config;

  const item = signal<T | undefined>(undefined);
  const loading = signal(false);
  const busy = signal(false);
  const error = signal<string | undefined>(undefined);
  const editing = computed(() => config.id() !== undefined);
  const groups = () => [form, ...(config.subforms?.() ?? [])].filter((g): g is FormGroup => g !== undefined);

  function show(loaded: T | undefined, lists: Lists): void {
    item.set(loaded);
    // A new object: keep what the user typed while the lists were loading (the e2e suite found
    // that the late reset wiped it); an existing one is loaded into the form as it is.
    if (loaded !== undefined || !form.dirty) config.reset(loaded);
    config.loaded?.(loaded, lists);
    // A reset may add controls (rows of a form array), which start enabled.
    if (!auth.canConfigure()) for (const group of groups()) group.disable();
  }

  async function load(id: string | undefined): Promise<void> {
    error.set(undefined);
    if (id === undefined && !config.lists) {
      // Nothing to wait for: the empty form is there at once.
      show(undefined, undefined as Lists);
      return;
    }
    loading.set(true);
    try {
      const [lists, loaded] = await Promise.all([
        config.lists?.(api),
        id === undefined ? Promise.resolve(undefined) : api.get<T>(`${resource}/${encodeURIComponent(id)}`),
      ]);
      show(loaded, lists as Lists);
    } catch (err) {
      error.set(toApiError(err).message);
    } finally {
      loading.set(false);
    }
  }

  async function save(): Promise<void> {
    form.markAllAsTouched();
    const blocked = config.blocked?.() ?? false;
    if (form.invalid || blocked || busy()) return;
    const body = config.body();
    if (body === undefined) return;
    busy.set(true);
    error.set(undefined);
    config.saving?.();
    try {
      const id = config.id();
      const saved = id === undefined ? await api.post<T>(resource, body) : await api.put<T>(`${resource}/${encodeURIComponent(id)}`, body);
      form.markAsPristine();
      if (config.saved) await config.saved(saved, id === undefined);
      else await router.navigate([config.back]);
    } catch (err) {
      const e = toApiError(err);
      error.set(config.refused ? config.refused(e) : applyApiError(form, e));
    } finally {
      busy.set(false);
    }
  }

  async function remove(): Promise<void> {
    const current = item();
    if (!current) return;
    const ok = await confirm.confirm({ title: `Delete ${config.noun}?`, message: config.deleteMessage(current), confirmLabel: 'Delete' });
    if (!ok) return;
    try {
      await api.delete(`${resource}/${current.id}`);
      await router.navigate([config.back]);
    } catch (err) {
      error.set(toApiError(err).message);
    }
  }

  effect(() => {
    const id = config.id();
    const allowed = config.loadWhen?.() ?? true;
    untracked(() => allowed && void load(id));
  });
  effect(() => {
    const canConfigure = auth.canConfigure();
    untracked(() => {
      for (const group of groups()) {
        if (canConfigure) group.enable();
        else group.disable();
      }
    });
  });

  return {
    item,
    editing,
    loading: loading.asReadonly(),
    busy: busy.asReadonly(),
    error,
    noun: config.noun,
    deleteLabel: config.deleteLabel ?? `Delete ${config.noun}`,
    back: config.back,
    save,
    remove,
  };
}
