import type { Routes } from '@angular/router';
import { ProblemsComponent } from './problems.component';

export default [{ path: '', title: 'Problems · Prophasis', component: ProblemsComponent }] satisfies Routes;
