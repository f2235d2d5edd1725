import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, signal, viewChild } from '@angular/core';
import { FormControl, FormGroup, FormGroupDirective, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import { PublisherInput, type Publisher } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { applyApiError, fieldMessage, schemaValidators } from '../../shared/ui/form-errors';
import { groupFingerprint } from '../marketplace/install';

/**
 * Publisher keys (`/publisher-keys`, docs/plugin-repository.md): the Ed25519 keys whose plugin
 * bundles this site accepts (`GET /api/publishers`). Administrators **add** a key (a name and
 * its SPKI PEM, `POST /api/publishers`; the core checks it and shows its fingerprint) and
 * **revoke** one after a confirmation (`DELETE /api/publishers/:keyId`): versions it signed stay
 * stored but are no longer usable. The site's own key (first-party plugins) cannot be revoked.
 */
@Component({
  selector: 'p-publisher-keys',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, ReactiveFormsModule, MatButtonModule, MatCardModule, MatFormFieldModule, MatInputModule, RouterLink],
  template: `
    <section class="p-page">
      <h1 class="p-page-title">Publisher keys</h1>
      <p class="p-muted intro">
        The core accepts a plugin bundle only when it is signed by one of these keys. Compare a fingerprint with the one the publisher gave you by
        another channel before you trust it. Revoking a key stops trusting it at once: the versions it signed stay stored but are no longer delivered to agents, and new bundles
        signed by it are refused, until you trust it again.
        Installing from the <a routerLink="/marketplace">Marketplace</a> can add a publisher's key too, after you confirm its fingerprint.
      </p>

      @if (auth.canConfigure()) {
        <mat-card appearance="outlined" class="add">
          <mat-card-header><mat-card-title>Trust a publisher key</mat-card-title></mat-card-header>
          <mat-card-content>
            <form [formGroup]="form" (ngSubmit)="add()" novalidate>
              <mat-form-field class="name">
                <mat-label>Publisher</mat-label>
                <input matInput formControlName="name" required maxlength="100" autocomplete="off" />
                <mat-hint>Who the key belongs to, e.g. “Acme Ltd”</mat-hint>
                <mat-error>{{ message(form.controls.name) }}</mat-error>
              </mat-form-field>
              <mat-form-field class="pem">
                <mat-label>Public key (PEM)</mat-label>
                <textarea matInput formControlName="publicKeyPem" required rows="4" spellcheck="false" placeholder="-----BEGIN PUBLIC KEY-----"></textarea>
                <mat-hint>The Ed25519 public key in SPKI PEM, as the publisher's <code>publisher.pub</code></mat-hint>
                <mat-error>{{ message(form.controls.publicKeyPem) }}</mat-error>
              </mat-form-field>
              <button mat-flat-button type="submit" [disabled]="busy()">Trust key</button>
            </form>
            @if (added(); as key) {
              <p class="added" role="status">Trusted “{{ key.name }}”, fingerprint <code>{{ fingerprint(key.keyId) }}</code>.</p>
            }
          </mat-card-content>
        </mat-card>
      }
      @if (error(); as text) {
        <p class="p-error-banner" role="alert">{{ text }}</p>
      }

      <h2 class="p-section-title">Trusted keys</h2>
      @if (loading()) {
        <p class="p-muted">Loading…</p>
      } @else if (keys().length === 0) {
        <p class="p-muted">No publisher keys.</p>
      } @else {
        <ul class="keys">
          @for (key of keys(); track key.keyId) {
            <li [attr.data-key]="key.keyId">
              <div class="key-head">
                <span class="key-name">{{ key.name }}</span>
                @if (key.site) {
                  <span class="site">this site</span>
                }
              </div>
              <code class="fingerprint">{{ fingerprint(key.keyId) }}</code>
              <span class="p-muted meta">
                @if (key.site) {
                  Signs the first-party plugins this core builds; it cannot be revoked.
                } @else {
                  Added by {{ key.addedBy }}, {{ key.addedAt | date: 'd MMM y, HH:mm:ss' }}
                }
              </span>
              @if (auth.canConfigure() && !key.site) {
                <button mat-button type="button" class="danger revoke" [disabled]="busy()" (click)="revoke(key)">Revoke</button>
              }
            </li>
          }
        </ul>
      }
    </section>
  `,
  styles: `
    .intro { max-width: 860px; }
    .add { margin: 0 0 24px; max-width: 860px; }
    form { display: flex; flex-direction: column; gap: 8px; align-items: flex-start; }
    .name { width: 360px; max-width: 100%; }
    .pem { width: 100%; }
    .pem textarea { font-family: monospace; font-size: 0.8125rem; }
    .added { margin: 12px 0 0; overflow-wrap: anywhere; }
    .keys { list-style: none; padding: 0; margin: 0; max-width: 1100px; }
    .keys li { display: grid; grid-template-columns: 1fr auto; gap: 2px 12px; padding: 10px 0; border-bottom: 1px solid var(--mat-sys-outline-variant); }
    .key-head { display: flex; gap: 8px; align-items: center; font: var(--mat-sys-title-small); }
    .site { font: var(--mat-sys-label-small); padding: 1px 6px; border-radius: 8px; background: var(--mat-sys-secondary-container); color: var(--mat-sys-on-secondary-container); }
    .fingerprint { grid-column: 1; font-size: 0.8125rem; overflow-wrap: anywhere; }
    .meta { grid-column: 1; font: var(--mat-sys-body-small); }
    .revoke { grid-column: 2; grid-row: 1 / span 3; align-self: center; }
    .danger { --mat-button-text-label-text-color: var(--mat-sys-error); }
  `,
})
export class PublisherKeysComponent {
  private readonly api = inject(ApiService);
  private readonly confirm = inject(ConfirmService);
  protected readonly auth = inject(AuthService);

  protected readonly keys = signal<readonly Publisher[]>([]);
  protected readonly loading = signal(true);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly added = signal<Publisher | undefined>(undefined);
  protected readonly fingerprint = groupFingerprint;
  protected readonly message = fieldMessage;

  protected readonly form = new FormGroup({
    name: new FormControl('', { nonNullable: true, validators: schemaValidators(PublisherInput.properties.name, { required: true }) }),
    publicKeyPem: new FormControl('', { nonNullable: true, validators: schemaValidators(PublisherInput.properties.publicKeyPem, { required: true }) }),
  });

  /** Resetting through the directive also forgets the submission, so the emptied form shows no errors. */
  private readonly formDirective = viewChild(FormGroupDirective);

  constructor() {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.keys.set((await this.api.get<{ items: Publisher[] }>('publishers')).items);
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loading.set(false);
    }
  }

  protected async add(): Promise<void> {
    this.error.set(undefined);
    this.added.set(undefined);
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    try {
      const { name, publicKeyPem } = this.form.getRawValue();
      const key = await this.api.post<Publisher>('publishers', { name: name.trim(), publicKeyPem: publicKeyPem.trim() });
      this.keys.update((list) => [...list.filter((k) => k.keyId !== key.keyId), key]);
      this.added.set(key);
      const directive = this.formDirective();
      if (directive) directive.resetForm({ name: '', publicKeyPem: '' });
      else this.form.reset({ name: '', publicKeyPem: '' });
    } catch (err) {
      this.error.set(applyApiError(this.form, err));
    } finally {
      this.busy.set(false);
    }
  }

  protected async revoke(key: Publisher): Promise<void> {
    const ok = await this.confirm.confirm({
      title: 'Revoke publisher key?',
      message: `Plugin versions signed by “${key.name}” (${groupFingerprint(key.keyId).slice(0, 19)}…) stay stored but are no longer delivered to agents, and new bundles signed by it are refused. Trusting the key again restores them.`,
      confirmLabel: 'Revoke key',
    });
    if (!ok) return;
    this.busy.set(true);
    this.error.set(undefined);
    this.added.set(undefined);
    try {
      await this.api.delete(`publishers/${key.keyId}`);
      this.keys.update((list) => list.filter((k) => k.keyId !== key.keyId));
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }
}
