import type { Routes } from '@angular/router';
import { SettingsComponent } from './settings.component';

export default [{ path: '', title: 'Settings · Prophasis', component: SettingsComponent }] satisfies Routes;
