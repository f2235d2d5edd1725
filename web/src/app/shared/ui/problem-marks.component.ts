import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { AcknowledgedMark, MaintenanceMark } from '../../core/protocol';

/**
 * The marks a problem carries in every list and report (docs/alerts.md): "Acknowledged" (who,
 * when, the comment in the tooltip), "In maintenance" (which silence), "Flapping" and "Caused by
 * router-1" (a down parent host holds its notifications back, a link to that host's page). Nothing when none.
 */
@Component({
  selector: 'p-problem-marks',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, RouterLink],
  template: `
    @if (acknowledged(); as a) {
      <span class="mark ack" data-mark="acknowledged" [attr.title]="'Acknowledged by ' + a.by + (a.sticky ? ' until ok' : '') + ': ' + a.comment">
        Acknowledged<span class="detail"> by {{ a.by }}, {{ a.at | date: 'd MMM y, HH:mm' }}</span>
      </span>
    }
    @if (maintenance(); as m) {
      <span class="mark maint" data-mark="maintenance" [attr.title]="'No notifications: ' + m.name">In maintenance</span>
    }
    @if (causedBy(); as c) {
      <a class="mark caused" data-mark="caused-by" [routerLink]="['/hosts', c.hostId, 'detail']" [attr.title]="c.name + ', a host it is reached through, is down: no notification of its own'">Caused by {{ c.name }}</a>
    }
    @if (flapping()) {
      <span class="mark flap" data-mark="flapping" title="Its state changes too often: one notice when it started flapping, one when it stops">Flapping</span>
    }
  `,
  styles: `
    :host { display: inline-flex; gap: 0.25rem; flex-wrap: wrap; vertical-align: middle; margin-inline-start: 0.35rem; }
    .mark { border-radius: 999px; padding: 0 0.5rem; font-size: 0.75rem; line-height: 1.4rem; white-space: nowrap; }
    .ack { background: #e3ecfa; color: #1a3d7c; }
    .maint { background: #eee6f7; color: #4a2a7a; }
    .flap { background: #fdf0d9; color: #6b4300; }
    .caused { background: #fbe4e1; color: #7a2119; text-decoration: none; }
    .detail { display: none; }
    :host(.long) .detail { display: inline; }
  `,
})
export class ProblemMarksComponent {
  readonly acknowledged = input<AcknowledgedMark | null | undefined>(null);
  readonly maintenance = input<MaintenanceMark | null | undefined>(null);
  /** Its problem is flapping now (docs/alerts.md, "Flapping"). */
  readonly flapping = input(false);
  /** The down parent host its problem is caused by (docs/alerts.md, "Dependencies"). */
  readonly causedBy = input<{ hostId: number; name: string } | null | undefined>(null);
}
