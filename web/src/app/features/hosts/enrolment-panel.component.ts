import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, effect, inject, input, output, signal, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { EnrolmentRequest, EnrolmentTicket, Host } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { isMissingRoute } from '../../shared/ui/missing-route';
import { CommandBoxComponent } from '../../shared/ui/command-box.component';

/** Lifetime of the tokens the console asks for, minutes (the API's default). */
const TTL_MINUTES = 60;

/**
 * Enrolment of a host's agent, for administrators: **Enrol agent** asks the core for a
 * single-use token (`POST /api/hosts/:id/enrolment`) and shows the one install line
 * (docs/install-agent.md) and the enrol command for an agent installed otherwise, with Copy
 * buttons, the token's expiry and the CA fingerprint the agent pins; **Revoke agent**
 * (`POST /api/hosts/:id/revoke`) after a confirmation. An action whose endpoint answers 404 (a
 * core without it) is hidden from then on. The token is shown once and kept only in memory.
 */
@Component({
  selector: 'p-enrolment-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, MatButtonModule, MatCardModule, CommandBoxComponent],
  template: `
    @if (auth.canConfigure() && (canEnrol() || canRevoke())) {
      <mat-card appearance="outlined" class="enrolment">
        <mat-card-header><mat-card-title>Enrolment</mat-card-title></mat-card-header>
        <mat-card-content>
          @if (ticket(); as t) {
            <p class="how">
              Paste this line into a shell on the host before the token expires; the token works once. It downloads the agent with its own
              Node.js, checks it against the SHA-256 in the line, installs it in <code>/opt/prophasis-agent</code>, enrols it and runs it as
              the unprivileged user <code>prophasis</code>.
            </p>
            <p-command-box label="Install command" [command]="t.installCommand" />
            <p class="p-muted">An agent installed another way (a copied package, the npm tarball) enrols with this instead, run as the agent's user:</p>
            <p-command-box label="Enrol command" [command]="t.enrolCommand" />
            <dl>
              <dt>Expires</dt>
              <dd class="expires">{{ t.expiresAt | date: 'd MMM y, HH:mm:ss' }}</dd>
              <dt>CA fingerprint</dt>
              <dd class="fingerprint">{{ t.caFingerprint }}</dd>
            </dl>
            <p class="p-muted">The enrol command pins this fingerprint: the agent refuses a core whose certificate authority differs.</p>
          } @else if (busy()) {
            <p class="p-muted preparing">Issuing a token; the first time, the core also builds the agent packages, which takes about a minute.</p>
          } @else if (host().enrolmentState === 'enrolled') {
            <p class="p-muted">An agent is enrolled. Enrolling a new one revokes it first.</p>
          } @else {
            <p class="p-muted">No agent is enrolled. Enrol agent issues a single-use token and the commands to run on the host.</p>
          }
          @if (error(); as text) {
            <p class="p-error-banner" role="alert">{{ text }}</p>
          }
        </mat-card-content>
        <mat-card-actions>
          @if (canEnrol()) {
            <button mat-flat-button type="button" [disabled]="busy()" (click)="enrol()">{{ ticket() ? 'New token' : 'Enrol agent' }}</button>
          }
          @if (canRevoke() && host().enrolmentState === 'enrolled') {
            <button mat-button type="button" class="danger" [disabled]="busy()" (click)="revoke()">Revoke agent</button>
          }
        </mat-card-actions>
      </mat-card>
    }
  `,
  styles: `
    .enrolment { margin: 0 0 24px; max-width: 760px; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 8px; }
    dt { color: var(--mat-sys-on-surface-variant); }
    dd { margin: 0; overflow-wrap: anywhere; }
    .fingerprint { font-family: ui-monospace, monospace; font-size: 13px; }
    .danger { --mat-button-text-label-text-color: var(--mat-sys-error); }
  `,
})
export class EnrolmentPanelComponent {
  private readonly api = inject(ApiService);
  private readonly confirm = inject(ConfirmService);
  protected readonly auth = inject(AuthService);

  readonly host = input.required<Host>();
  /** Issue a token as soon as the panel shows (right after the host was added). */
  readonly autoEnrol = input(false);
  /** The host as the core answered after a revocation. */
  readonly hostChange = output<Host>();

  protected readonly ticket = signal<EnrolmentTicket | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly canEnrol = signal(true);
  protected readonly canRevoke = signal(true);
  private autoDone = false;

  constructor() {
    effect(() => {
      const host = this.host();
      if (!this.autoEnrol() || this.autoDone || !this.auth.canConfigure()) return;
      this.autoDone = true;
      if (host.enrolmentState !== 'enrolled') untracked(() => void this.issue(false));
    });
  }

  protected async enrol(): Promise<void> {
    const host = this.host();
    let reenrol = false;
    if (host.enrolmentState === 'enrolled') {
      const ok = await this.confirm.confirm({
        title: 'Enrol a new agent?',
        message: `The agent enrolled for “${host.name}” is revoked now and can no longer report. Use this when the machine was reinstalled or the agent's key is lost.`,
        confirmLabel: 'Revoke and enrol',
      });
      if (!ok) return;
      reenrol = true;
    }
    await this.issue(reenrol);
  }

  protected async revoke(): Promise<void> {
    const host = this.host();
    const ok = await this.confirm.confirm({
      title: 'Revoke agent?',
      message: `The agent of “${host.name}” will no longer be accepted: it stops reporting until a new one is enrolled.`,
      confirmLabel: 'Revoke agent',
    });
    if (!ok) return;
    this.busy.set(true);
    this.error.set(undefined);
    try {
      const updated = await this.api.post<Host>(`hosts/${host.id}/revoke`, {});
      this.ticket.set(undefined);
      this.hostChange.emit(updated);
    } catch (err) {
      const e = toApiError(err);
      if (isMissingRoute(e)) this.canRevoke.set(false);
      else this.error.set(e.message);
    } finally {
      this.busy.set(false);
    }
  }

  private async issue(reenrol: boolean): Promise<void> {
    this.busy.set(true);
    this.error.set(undefined);
    try {
      const body: EnrolmentRequest = { ttlMinutes: TTL_MINUTES, reenrol };
      this.ticket.set(await this.api.post<EnrolmentTicket>(`hosts/${this.host().id}/enrolment`, body));
    } catch (err) {
      const e = toApiError(err);
      if (isMissingRoute(e)) this.canEnrol.set(false);
      else this.error.set(e.message);
    } finally {
      this.busy.set(false);
    }
  }
}
