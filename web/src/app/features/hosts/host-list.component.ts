import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component } from '@angular/core';
import type { Host } from '../../core/protocol';
import { ListPageComponent, type ListColumn } from '../../shared/ui/list-page.component';
import { agentStatus } from './host-status';

const date = new DatePipe('en-US');

@Component({
  selector: 'p-host-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ListPageComponent],
  template: `
    <section class="p-page">
      <p-list-page
        title="Hosts"
        resource="hosts"
        noun="host"
        help="A host is one monitored machine running the Prophasis agent. Add a host here, then run the enrolment command it shows on that machine."
        addLink="/hosts/new"
        [columns]="columns"
        [rowLink]="link"
        [deletable]="true"
      />
    </section>
  `,
})
export class HostListComponent {
  protected readonly columns: readonly ListColumn<Host>[] = [
    { key: 'name', label: 'Name', sortable: true },
    { key: 'description', label: 'Description' },
    { key: 'agent', label: 'Agent', value: agentStatus },
    { key: 'platform', label: 'Platform', value: (h) => h.platform },
    { key: 'lastSeen', label: 'Last seen', value: (h) => (h.lastSeen === null ? 'Never' : date.transform(h.lastSeen, 'short')) },
  ];
  protected readonly link = (host: Host) => ['/hosts', host.id];
}
