import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'p-not-found',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `
    <section class="p-page">
      <h1 class="p-page-title">Page not found</h1>
      <p>There is no page at this address. <a routerLink="/dashboard">Go to the dashboard</a>.</p>
    </section>
  `,
})
export class NotFoundComponent {}
