import type { Routes } from '@angular/router';
import { PublisherKeysComponent } from './publisher-keys.component';

export default [{ path: '', title: 'Publisher keys · Prophasis', component: PublisherKeysComponent }] satisfies Routes;
