import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { AuthService } from '../../core/auth.service';
import type { User } from '../../core/protocol';
import { ListPageComponent, type ListColumn } from '../../shared/ui/list-page.component';

const date = new DatePipe('en-US');

/** The users list; the API shows users to administrators only, so others get an explanation. */
@Component({
  selector: 'p-user-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ListPageComponent],
  template: `
    <section class="p-page">
      @if (auth.canConfigure()) {
        <p-list-page
          title="Users"
          resource="users"
          noun="user"
          help="Viewers see everything, operators may also run checks, administrators may also change the configuration and manage users."
          addLink="/users/new"
          [columns]="columns"
          [rowLink]="link"
          [deletable]="true"
        />
      } @else {
        <h1 class="p-page-title">Users</h1>
        <p class="p-muted">Only administrators can see and manage users. Ask one to change your role or password.</p>
      }
    </section>
  `,
})
export class UserListComponent {
  protected readonly auth = inject(AuthService);
  protected readonly columns: readonly ListColumn<User>[] = [
    { key: 'name', label: 'Name', sortable: true },
    { key: 'role', label: 'Role', sortable: true },
    { key: 'lastLoginAt', label: 'Last sign-in', sortable: true, value: (u) => (u.lastLoginAt === null ? 'Never' : date.transform(u.lastLoginAt, 'short')) },
  ];
  protected readonly link = (user: User) => ['/users', user.id];
}
