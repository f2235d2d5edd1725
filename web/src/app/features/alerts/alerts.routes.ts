import type { Routes } from '@angular/router';
import type { Alert } from '../../core/protocol';
import { listRoute } from '../../shared/ui/list-route';
import { SEVERITY_LABELS } from '../../shared/ui/severity';
import { inSeverityOrder } from '../../shared/ui/severity-chips.component';
import { AlertFormComponent } from './alert-form.component';
import { alertModule } from './alert-modules';

const states = (list: Alert['fromStates']) => inSeverityOrder(list).map((s) => SEVERITY_LABELS[s]).join(', ');

export default [
  listRoute<Alert>({
    title: 'Alerts',
    resource: 'alerts',
    noun: 'alert',
    help: 'An alert sends a message through an alert module (e-mail, webhook or a command) when a host or service changes from one state to another.',
    deletable: true,
    addLink: '/alerts/new',
    rowLink: (a) => ['/alerts', a.id],
    columns: [
      { key: 'name', label: 'Name', sortable: true },
      { key: 'enabled', label: 'Enabled', value: (a) => a.enabled },
      { key: 'from', label: 'From', value: (a) => states(a.fromStates) },
      { key: 'to', label: 'To', value: (a) => states(a.toStates) },
      { key: 'module', label: 'Module', sortable: true, value: (a) => alertModule(a.module)?.label ?? a.module },
    ],
  }),
  { path: 'new', title: 'Add alert · Prophasis', component: AlertFormComponent },
  { path: ':id', title: 'Alert · Prophasis', component: AlertFormComponent },
] satisfies Routes;
