import type { Routes } from '@angular/router';
import type { ListRow } from '../../shared/ui/list-page.component';
import { listRoute } from '../../shared/ui/list-route';

// protocol/src/api.ts has no marketplace listing shape yet, so this page reads only the
// fields every listing has (id, name, description) by key.
export default [
  listRoute<ListRow>({
    title: 'Marketplace',
    resource: 'marketplace/plugins',
    noun: 'plugin',
    help: 'Signed plugins published by trusted authors. Installing one shows the capabilities it needs before anything reaches an agent.',
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'id', label: 'Id' },
      { key: 'description', label: 'Description' },
    ],
  }),
] satisfies Routes;
