import type { Routes } from '@angular/router';
import { DashboardComponent } from './dashboard.component';

export default [{ path: '', title: 'Dashboard · Prophasis', component: DashboardComponent }] satisfies Routes;
