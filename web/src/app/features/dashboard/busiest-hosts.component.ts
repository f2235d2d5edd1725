import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { TopHost } from '../../core/protocol';
import { SEVERITY_COLORS } from '../../shared/ui/chart.component';
import { formatValue } from '../../shared/ui/format-value';

/**
 * One column of "Busiest hosts": the hosts with the highest newest value of one plugin
 * (`GET /api/reports/top-hosts`), each a bar to the axis maximum (100 for a percentage), in its
 * state's colour when not OK, linked to the host's page.
 */
@Component({
  selector: 'p-busiest-hosts',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, RouterLink],
  template: `
    <h3 class="title">{{ title() }}</h3>
    @if (hosts().length === 0) {
      <p class="p-muted none">{{ loaded() ? 'No values yet.' : 'Loading…' }}</p>
    } @else {
      <ol class="bars">
        @for (h of rows(); track h.hostId) {
          <li [attr.title]="'Measured ' + (h.measuredAt | date: 'd MMM y, HH:mm:ss')">
            <a class="host" [routerLink]="['/hosts', h.hostId, 'detail']">{{ h.hostName }}</a>
            <span class="value">{{ h.text }}</span>
            <span class="track"><span class="bar" [style.width.%]="h.percent" [style.background]="h.color"></span></span>
          </li>
        }
      </ol>
    }
  `,
  styles: `
    :host { display: block; min-width: 0; }
    .title { font: var(--mat-sys-title-small); margin: 0 0 8px; }
    .none { margin: 0; }
    .bars { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
    li { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 2px 8px; align-items: baseline; }
    .host { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .value { font-variant-numeric: tabular-nums; font: var(--mat-sys-label-large); }
    .track { grid-column: 1 / -1; height: 6px; border-radius: 3px; background: var(--mat-sys-surface-container-highest); overflow: hidden; }
    .bar { display: block; height: 100%; border-radius: 3px; }
  `,
})
export class BusiestHostsComponent {
  readonly title = input.required<string>();
  readonly hosts = input.required<readonly TopHost[]>();
  /** Unit and axis maximum of the plugin's chart hints. */
  readonly unit = input('');
  readonly max = input<number | undefined>(undefined);
  readonly loaded = input(false);

  protected readonly rows = computed(() => {
    const list = this.hosts();
    const top = Math.max(this.max() ?? 0, ...list.map((h) => h.value), Number.EPSILON);
    return list.map((h) => ({
      ...h,
      text: formatValue(h.value, this.unit()),
      percent: Math.max(0, Math.min(100, (h.value / top) * 100)),
      color: h.severity === 'ok' || h.severity === 'no_data' ? 'var(--mat-sys-primary)' : SEVERITY_COLORS[h.severity],
    }));
  });
}
