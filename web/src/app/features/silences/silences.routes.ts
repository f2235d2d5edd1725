import type { Routes } from '@angular/router';
import { SilencesComponent } from './silences.component';

export default [{ path: '', title: 'Silences and maintenance · Prophasis', component: SilencesComponent }] satisfies Routes;
