import type { Routes } from '@angular/router';
import { ServiceDetailComponent } from './service-detail.component';
import { ServiceHealthComponent } from './service-health.component';

/** Reports that are not about one configuration object: service health and a service's detail. */
export default [
  { path: '', pathMatch: 'full', redirectTo: 'services' },
  { path: 'services', title: 'Service health · Prophasis', component: ServiceHealthComponent },
  { path: 'services/:id', title: 'Service report · Prophasis', component: ServiceDetailComponent },
] satisfies Routes;
