import type { Routes } from '@angular/router';
import { ApiTokensComponent } from './api-tokens.component';

export default [{ path: '', title: 'API tokens · Prophasis', component: ApiTokensComponent }] satisfies Routes;
