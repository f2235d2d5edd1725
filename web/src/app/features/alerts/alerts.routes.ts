import type { Routes } from '@angular/router';
import type { Alert } from '../../core/protocol';
import { SEVERITY_LABELS } from '../../shared/ui/severity';
import { listRoute } from '../../shared/ui/list-route';

const states = (list: Alert['fromStates']) => list.map((s) => SEVERITY_LABELS[s]).join(', ');

export default [
  listRoute<Alert>({
    title: 'Alerts',
    resource: 'alerts',
    noun: 'alert',
    help: 'An alert sends a message through an alert module (e-mail, for example) when a host or service changes from one state to another.',
    deletable: true,
    columns: [
      { key: 'name', label: 'Name', sortable: true },
      { key: 'enabled', label: 'Enabled', value: (a) => a.enabled },
      { key: 'from', label: 'From', value: (a) => states(a.fromStates) },
      { key: 'to', label: 'To', value: (a) => states(a.toStates) },
      { key: 'module', label: 'Module' },
    ],
  }),
] satisfies Routes;
