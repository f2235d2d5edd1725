import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import type { FleetToken, FleetTokenInput, FleetTokenTicket, HostGroup } from '../../core/protocol';
import { CheckboxListComponent } from '../../shared/ui/checkbox-list.component';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { describedOptions } from '../../shared/ui/options';
import { CommandBoxComponent } from '../../shared/ui/command-box.component';
import { fleetTokenInput, limitText, statusText } from './auto-registration';
import { count, plural } from '../../shared/ui/plural';

/**
 * Fleet tokens (docs/enrolment.md, "Fleet tokens"): **Create token** (`POST /api/fleet-tokens`)
 * shows the token's one install line once, with a Copy button (the token is kept only in
 * memory and gone with the page); the list shows each token's status, hosts registered against
 * its limit, expiry and groups; **Revoke** (`POST /api/fleet-tokens/:id/revoke`) after a
 * confirmation. Administrators only (the page says so to others).
 */
@Component({
  selector: 'p-fleet-tokens',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, ReactiveFormsModule, MatButtonModule, MatCardModule, MatFormFieldModule, MatInputModule, CheckboxListComponent, CommandBoxComponent],
  template: `
    <mat-card appearance="outlined" class="create">
      <mat-card-header><mat-card-title>New fleet token</mat-card-title></mat-card-header>
      <mat-card-content>
        @if (ticket(); as t) {
          <p class="how">
            Paste this line on every machine this token should register. Each becomes a host named after its own host name, in the
            token's groups and those of the matching rules below. <strong>The token is shown only now.</strong>
          </p>
          <p-command-box label="Install command" [command]="t.installCommand" />
          <p class="p-muted">An agent installed another way enrols with this instead, run as the agent's user:</p>
          <p-command-box label="Enrol command" [command]="t.enrolCommand" />
          <p class="p-muted expires">
            “{{ t.fleetToken.name }}” registers {{ limit(t.fleetToken) }} until {{ t.fleetToken.expiresAt | date: 'd MMM y, HH:mm:ss' }}.
          </p>
          <button mat-button type="button" class="done" (click)="ticket.set(undefined)">Done</button>
        } @else {
          <form [formGroup]="form" (ngSubmit)="create()">
            <div class="row">
              <mat-form-field>
                <mat-label>Name</mat-label>
                <input matInput formControlName="name" required maxlength="128" />
                <mat-hint>What the roll-out is, e.g. “office laptops”</mat-hint>
              </mat-form-field>
              <mat-form-field class="narrow">
                <mat-label>Valid for (days)</mat-label>
                <input matInput type="number" formControlName="ttlDays" min="1" max="365" />
              </mat-form-field>
              <mat-form-field class="narrow">
                <mat-label>Host limit</mat-label>
                <input matInput type="number" formControlName="maxHosts" min="1" />
                <mat-hint>Empty: no limit</mat-hint>
              </mat-form-field>
            </div>
            <mat-form-field class="wide">
              <mat-label>Tags</mat-label>
              <input matInput formControlName="tags" placeholder="site:office, laptops" />
              <mat-hint>Comma-separated; every host it registers gets them</mat-hint>
            </mat-form-field>
            <p-checkbox-list
              label="Host groups"
              formControlName="groupIds"
              [options]="groupOptions()"
              help="Every host this token registers joins these groups, besides those its rules give."
              emptyText="No host groups yet."
            />
            <button mat-flat-button type="submit" [disabled]="busy() || form.invalid">Create token</button>
          </form>
        }
        @if (error(); as text) {
          <p class="p-error-banner" role="alert">{{ text }}</p>
        }
      </mat-card-content>
    </mat-card>

    <h2 class="p-section-title">Tokens</h2>
    @if (tokens().length === 0) {
      <p class="p-muted empty">No fleet tokens yet.</p>
    } @else {
      <table class="tokens">
        <thead>
          <tr>
            <th>Name</th>
            <th>Status</th>
            <th>Hosts</th>
            <th>Expires</th>
            <th>Last used</th>
            <th>Groups</th>
            <th>Tags</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          @for (t of tokens(); track t.id) {
            <tr [attr.data-id]="t.id">
              <td class="name">{{ t.name }}</td>
              <td class="status" [class.inactive]="t.status !== 'active'">{{ status(t) }}</td>
              <td class="uses">{{ t.hostsRegistered }} / {{ t.maxHosts ?? '∞' }}</td>
              <td>{{ t.expiresAt | date: 'd MMM y, HH:mm:ss' }}</td>
              <td>{{ t.lastUsedAt === null ? 'Never' : (t.lastUsedAt | date: 'd MMM y, HH:mm:ss') }}</td>
              <td class="groups">{{ groupNames(t.groupIds) }}</td>
              <td class="tags">{{ t.tags.join(', ') }}</td>
              <td>
                @if (t.status !== 'revoked') {
                  <button mat-button type="button" class="danger revoke" [disabled]="busy()" (click)="revoke(t)">Revoke</button>
                }
              </td>
            </tr>
          }
        </tbody>
      </table>
    }
  `,
  styles: `
    .create { margin: 0 0 24px; max-width: 860px; }
    .row { display: flex; gap: 12px; flex-wrap: wrap; }
    .row mat-form-field { flex: 1 1 240px; }
    .row .narrow { flex: 0 1 160px; }
    .wide { width: 100%; }
    .tokens { border-collapse: collapse; width: 100%; max-width: 1100px; }
    .tokens th, .tokens td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--mat-sys-outline-variant); vertical-align: top; }
    .inactive { color: var(--mat-sys-error); }
    .danger { --mat-button-text-label-text-color: var(--mat-sys-error); }
  `,
})
export class FleetTokensComponent {
  private readonly api = inject(ApiService);
  private readonly confirm = inject(ConfirmService);

  protected readonly tokens = signal<readonly FleetToken[]>([]);
  protected readonly groups = signal<readonly HostGroup[]>([]);
  protected readonly ticket = signal<FleetTokenTicket | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly groupOptions = computed(() => describedOptions(this.groups()));
  private readonly groupName = computed(() => new Map(this.groups().map((g) => [g.id, g.name])));
  protected readonly status = statusText;
  protected readonly limit = limitText;

  protected readonly form = new FormGroup({
    name: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(128)] }),
    ttlDays: new FormControl(30, { nonNullable: true, validators: [Validators.required, Validators.min(1), Validators.max(365)] }),
    maxHosts: new FormControl<number | null>(null, { validators: [Validators.min(1)] }),
    tags: new FormControl('', { nonNullable: true }),
    groupIds: new FormControl<number[]>([], { nonNullable: true }),
  });

  /** Loads the tokens and the groups to choose from; called by the page. */
  async load(groups: readonly HostGroup[]): Promise<void> {
    this.groups.set(groups);
    try {
      this.tokens.set(await this.api.get<FleetToken[]>('fleet-tokens'));
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  protected groupNames(ids: readonly number[]): string {
    return ids.map((id) => this.groupName().get(id) ?? `#${id}`).join(', ');
  }

  protected async create(): Promise<void> {
    this.busy.set(true);
    this.error.set(undefined);
    try {
      const body: FleetTokenInput = fleetTokenInput(this.form.getRawValue());
      const ticket = await this.api.post<FleetTokenTicket>('fleet-tokens', body);
      this.ticket.set(ticket);
      this.tokens.update((list) => [ticket.fleetToken, ...list]);
      this.form.reset();
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }

  protected async revoke(token: FleetToken): Promise<void> {
    const ok = await this.confirm.confirm({
      title: 'Revoke fleet token?',
      message: `“${token.name}” will register no further hosts. The ${count(token.hostsRegistered, 'host', 'hosts')} it registered ${plural(token.hostsRegistered, 'stays', 'stay')} enrolled.`,
      confirmLabel: 'Revoke token',
    });
    if (!ok) return;
    this.busy.set(true);
    this.error.set(undefined);
    try {
      const updated = await this.api.post<FleetToken>(`fleet-tokens/${token.id}/revoke`, {});
      this.tokens.update((list) => list.map((t) => (t.id === updated.id ? updated : t)));
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }
}
