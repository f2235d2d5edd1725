import type { Routes } from '@angular/router';
import { UserFormComponent } from './user-form.component';
import { UserListComponent } from './user-list.component';

export default [
  { path: '', title: 'Users · Prophasis', component: UserListComponent },
  { path: 'new', title: 'Add user · Prophasis', component: UserFormComponent },
  { path: ':id', title: 'User · Prophasis', component: UserFormComponent },
] satisfies Routes;
