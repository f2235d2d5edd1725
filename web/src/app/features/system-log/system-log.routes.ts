import type { Routes } from '@angular/router';
import { SystemLogComponent } from './system-log.component';

export default [{ path: '', title: 'System log · Prophasis', component: SystemLogComponent }] satisfies Routes;
