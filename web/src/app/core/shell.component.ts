import { BreakpointObserver } from '@angular/cdk/layout';
import { ChangeDetectionStrategy, Component, inject, viewChild } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatListModule } from '@angular/material/list';
import { MatSidenav, MatSidenavModule } from '@angular/material/sidenav';
import { MatToolbarModule } from '@angular/material/toolbar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { map } from 'rxjs';
import { IconComponent } from '../shared/ui/icon.component';
import { AuthService } from './auth.service';
import { EventsService } from './events.service';
import { NAVIGATION } from './navigation';

/**
 * The signed-in frame: a toolbar and a navigation reaching every section. On a desk the
 * navigation is always open beside the page; below 960 px it is a drawer behind the menu
 * button, closed after each choice so the page gets the whole width.
 */
@Component({
  selector: 'p-shell',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatListModule, MatSidenavModule, MatToolbarModule, MatTooltipModule, RouterLink, RouterLinkActive, RouterOutlet, IconComponent],
  template: `
    <mat-sidenav-container class="container">
      <mat-sidenav #nav class="nav" [mode]="narrow() ? 'over' : 'side'" [opened]="!narrow()" [fixedInViewport]="narrow()">
        <div class="brand">
          <img src="favicon.svg" alt="" width="28" height="28" />
          <span>Prophasis</span>
        </div>
        <mat-nav-list aria-label="Sections">
          @for (item of navigation; track item.path) {
            <a mat-list-item [routerLink]="item.path" routerLinkActive #active="routerLinkActive" [activated]="active.isActive" (click)="closeIfNarrow()">
              <p-icon matListItemIcon [name]="item.icon" />
              <span matListItemTitle>{{ item.label }}</span>
            </a>
          }
        </mat-nav-list>
      </mat-sidenav>
      <mat-sidenav-content class="content">
        <mat-toolbar class="toolbar">
          @if (narrow()) {
            <button mat-icon-button aria-label="Open navigation" (click)="nav.open()"><p-icon name="menu" /></button>
            <span class="toolbar-title">Prophasis</span>
          }
          <span class="spacer"></span>
          <span class="live" [class.on]="events.connected()" [matTooltip]="events.connected() ? 'Receiving live updates' : 'Not receiving live updates'">
            <span class="dot"></span>{{ events.connected() ? 'Live' : 'Offline' }}
          </span>
          @if (auth.user(); as user) {
            <span class="user" [title]="user.role">{{ user.name }}</span>
          }
          <button mat-icon-button aria-label="Sign out" matTooltip="Sign out" (click)="logout()"><p-icon name="logout" /></button>
        </mat-toolbar>
        <main class="main">
          <router-outlet />
        </main>
      </mat-sidenav-content>
    </mat-sidenav-container>
  `,
  styles: `
    :host { display: block; height: 100%; }
    .container { height: 100%; }
    .nav { width: 240px; border-right: 1px solid var(--mat-sys-outline-variant); --mat-sidenav-container-shape: 0; }
    .brand { display: flex; align-items: center; gap: 10px; padding: 16px 20px 8px; font: var(--mat-sys-title-large); }
    .content { display: flex; flex-direction: column; }
    .toolbar { position: sticky; top: 0; z-index: 2; gap: 4px; background: var(--mat-sys-surface-container); border-bottom: 1px solid var(--mat-sys-outline-variant); }
    .toolbar-title { font: var(--mat-sys-title-large); }
    .spacer { flex: 1; }
    .user { font: var(--mat-sys-body-medium); margin: 0 4px 0 8px; max-width: 30vw; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .live { display: inline-flex; align-items: center; gap: 6px; font: var(--mat-sys-label-medium); color: var(--mat-sys-on-surface-variant); }
    .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--mat-sys-outline); }
    .live.on .dot { background: var(--p-sev-ok-bg); }
    .main { flex: 1; }
  `,
})
export class ShellComponent {
  protected readonly auth = inject(AuthService);
  protected readonly events = inject(EventsService);
  private readonly router = inject(Router);
  private readonly nav = viewChild.required<MatSidenav>('nav');
  protected readonly navigation = NAVIGATION;
  protected readonly narrow = toSignal(inject(BreakpointObserver).observe('(max-width: 959.98px)').pipe(map((r) => r.matches)), {
    initialValue: false,
  });

  constructor() {
    // Keep the event stream open while signed in, so the Live indicator is truthful and pages
    // that listen share this one connection.
    this.events.events$.pipe(takeUntilDestroyed()).subscribe();
  }

  protected closeIfNarrow(): void {
    if (this.narrow()) void this.nav().close();
  }

  protected async logout(): Promise<void> {
    await this.auth.logout().catch(() => undefined);
    await this.router.navigate(['/login']);
  }
}
