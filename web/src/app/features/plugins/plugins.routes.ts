import type { Routes } from '@angular/router';
import type { Plugin } from '../../core/protocol';
import { listRoute } from '../../shared/ui/list-route';

export default [
  listRoute<Plugin>({
    title: 'Plugins',
    resource: 'plugins',
    noun: 'plugin',
    help: 'A plugin measures one thing on a host, and its classifier turns the measurements into a severity. Install plugins from the marketplace or upload a signed bundle.',
    columns: [
      { key: 'name', label: 'Name', sortable: true },
      { key: 'id', label: 'Id' },
      { key: 'version', label: 'Version in use', value: (p) => p.version ?? 'None approved' },
      { key: 'versions', label: 'Versions', value: (p) => p.versions.length },
      { key: 'description', label: 'Description' },
    ],
  }),
] satisfies Routes;
