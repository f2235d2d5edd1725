import type { Routes } from '@angular/router';
import { MarketplacePluginComponent } from './marketplace-plugin.component';
import { MarketplaceComponent } from './marketplace.component';

export default [
  { path: '', title: 'Marketplace · Prophasis', component: MarketplaceComponent },
  { path: ':registry/:pluginId', title: 'Marketplace plugin · Prophasis', component: MarketplacePluginComponent },
] satisfies Routes;
