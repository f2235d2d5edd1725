import type { Routes } from '@angular/router';
import { NotificationsComponent } from './notifications.component';

export default [
  { path: '', title: 'Notifications · Prophasis', component: NotificationsComponent },
  { path: 'templates', title: 'Notification templates · Prophasis', loadComponent: () => import('./templates.component').then((m) => m.TemplatesComponent) },
] satisfies Routes;
