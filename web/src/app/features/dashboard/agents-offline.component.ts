import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { MatCardModule } from '@angular/material/card';
import { RouterLink } from '@angular/router';
import type { HostHealth } from '../../core/protocol';

/** How many unreachable agents to list before "All … on Host health". */
const SHOWN = 8;

/**
 * "Agents offline": the agents away longer than the grace period (their hosts count as Major),
 * longest first, each linked to its host; and how many went away within the grace period.
 */
@Component({
  selector: 'p-agents-offline',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, MatCardModule, RouterLink],
  template: `
    <mat-card appearance="outlined">
      <mat-card-header>
        <mat-card-title><a routerLink="/hosts" class="title-link">Agents offline</a></mat-card-title>
      </mat-card-header>
      <mat-card-content>
        @if (hosts().length === 0) {
          <p class="p-muted none">{{ loaded() ? 'No agent is unreachable.' : 'Loading…' }}</p>
        } @else {
          <p class="big" [attr.aria-label]="hosts().length + ' unreachable'">{{ hosts().length }}</p>
          <ul class="plain">
            @for (host of hosts().slice(0, shown); track host.id) {
              <li>
                <a [routerLink]="['/hosts', host.id, 'detail']">{{ host.name }}</a>
                <span class="p-muted">unreachable since {{ host.presence.since | date: 'd MMM y, HH:mm' }}</span>
              </li>
            }
          </ul>
          @if (hosts().length > shown) {
            <a routerLink="/hosts" class="more">All {{ hosts().length }} on Host health</a>
          }
        }
        @if (disconnected() > 0) {
          <p class="p-muted summary">{{ disconnected() === 1 ? '1 agent' : disconnected() + ' agents' }} disconnected within the grace period.</p>
        }
      </mat-card-content>
    </mat-card>
  `,
  styleUrl: './panel.scss',
})
export class AgentsOfflineComponent {
  /** Unreachable hosts, longest first. */
  readonly hosts = input.required<readonly HostHealth[]>();
  readonly disconnected = input(0);
  readonly loaded = input(false);
  protected readonly shown = SHOWN;
}
