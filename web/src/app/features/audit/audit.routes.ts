import type { Routes } from '@angular/router';
import { AuditComponent } from './audit.component';

export default [{ path: '', title: 'Audit trail · Prophasis', component: AuditComponent }] satisfies Routes;
