import type { Routes } from '@angular/router';
import { DeviceFormComponent } from './device-form.component';

export default [{ path: 'new', title: 'Add device · Prophasis', component: DeviceFormComponent }] satisfies Routes;
