import type { Routes } from '@angular/router';
import { AutoRegistrationComponent } from './auto-registration.component';

export default [{ path: '', title: 'Auto-registration · Prophasis', component: AutoRegistrationComponent }] satisfies Routes;
