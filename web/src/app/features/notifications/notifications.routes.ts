import type { Routes } from '@angular/router';
import { NotificationsComponent } from './notifications.component';

export default [{ path: '', title: 'Notifications · Prophasis', component: NotificationsComponent }] satisfies Routes;
