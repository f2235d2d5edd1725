import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { AgentUpgradeHost } from '../../core/protocol';
import { hostUpgradeText, isTrouble } from './agent-upgrades';

/**
 * One host's agent upgrade state, for the host page (`GET /api/agent-upgrades/hosts/:id`):
 * shown to administrators, who run upgrades; nothing for other roles or a host that never had
 * one. Links to the Agent upgrades page.
 */
@Component({
  selector: 'p-agent-upgrade-state',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `
    @if (state(); as s) {
      <p class="agent-upgrade" [class.trouble]="trouble(s)">
        Agent upgrade: {{ text(s) }}
        @if (s.upgrade?.reason; as reason) {
          <span class="reason">{{ reason }}</span>
        }
        <a routerLink="/agent-upgrades">Agent upgrades</a>
      </p>
    }
  `,
  styles: `
    .agent-upgrade { margin: 8px 0 0; }
    .agent-upgrade a { margin-left: 8px; }
    .reason { display: block; font-size: 12px; }
    .trouble { color: var(--mat-sys-error); }
  `,
})
export class AgentUpgradeStateComponent {
  private readonly api = inject(ApiService);
  private readonly auth = inject(AuthService);
  readonly hostId = input.required<number>();

  private readonly loaded = signal<AgentUpgradeHost | undefined>(undefined);
  /** Only a host with an upgrade state or a record of its last upgrade says anything. */
  protected readonly state = computed(() => {
    const s = this.loaded();
    return s && (s.upgrade !== null || s.lastUpgrade !== null) ? s : undefined;
  });
  protected readonly text = hostUpgradeText;
  protected readonly trouble = isTrouble;

  constructor() {
    effect(() => {
      const id = this.hostId();
      if (!this.auth.canConfigure()) return;
      this.api.get<AgentUpgradeHost>(`agent-upgrades/hosts/${id}`).then(
        (s) => this.loaded.set(s),
        () => this.loaded.set(undefined), // a host without an agent, or no access: nothing to say
      );
    });
  }
}
