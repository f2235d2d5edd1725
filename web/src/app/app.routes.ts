import type { Routes } from '@angular/router';
import { authGuard, guestGuard } from './core/auth.guard';
import { ShellComponent } from './core/shell.component';

/** Every feature is a lazy chunk (`features/<feature>/<feature>.routes.ts`). */
export const routes: Routes = [
  { path: 'login', canMatch: [guestGuard], title: 'Sign in · Prophasis', loadComponent: () => import('./features/auth/login.component').then((m) => m.LoginComponent) },
  { path: 'setup', canMatch: [guestGuard], title: 'Set up · Prophasis', loadComponent: () => import('./features/auth/setup.component').then((m) => m.SetupComponent) },
  {
    path: '',
    component: ShellComponent,
    canMatch: [authGuard],
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'dashboard' },
      { path: 'dashboard', loadChildren: () => import('./features/dashboard/dashboard.routes') },
      { path: 'hosts', loadChildren: () => import('./features/hosts/hosts.routes') },
      { path: 'devices', loadChildren: () => import('./features/devices/devices.routes') },
      { path: 'auto-registration', loadChildren: () => import('./features/auto-registration/auto-registration.routes') },
      { path: 'agent-upgrades', loadChildren: () => import('./features/agent-upgrades/agent-upgrades.routes') },
      { path: 'reports', loadChildren: () => import('./features/reports/reports.routes') },
      { path: 'host-groups', loadChildren: () => import('./features/host-groups/host-groups.routes') },
      { path: 'plugins', loadChildren: () => import('./features/plugins/plugins.routes') },
      { path: 'checks', loadChildren: () => import('./features/checks/checks.routes') },
      { path: 'schedules', loadChildren: () => import('./features/schedules/schedules.routes') },
      { path: 'services', loadChildren: () => import('./features/services/services.routes') },
      { path: 'alerts', loadChildren: () => import('./features/alerts/alerts.routes') },
      { path: 'silences', loadChildren: () => import('./features/silences/silences.routes') },
      { path: 'marketplace', loadChildren: () => import('./features/marketplace/marketplace.routes') },
      { path: 'rollouts', loadChildren: () => import('./features/rollouts/rollouts.routes') },
      { path: 'publisher-keys', loadChildren: () => import('./features/publisher-keys/publisher-keys.routes') },
      { path: 'users', loadChildren: () => import('./features/users/users.routes') },
      { path: 'tokens', loadChildren: () => import('./features/api-tokens/api-tokens.routes') },
      { path: 'settings', loadChildren: () => import('./features/settings/settings.routes') },
      { path: 'notifications', loadChildren: () => import('./features/notifications/notifications.routes') },
      { path: 'problems', loadChildren: () => import('./features/problems/problems.routes') },
      { path: 'system-log', loadChildren: () => import('./features/system-log/system-log.routes') },
      { path: 'audit', loadChildren: () => import('./features/audit/audit.routes') },
      { path: '**', title: 'Not found · Prophasis', loadComponent: () => import('./shared/ui/not-found.component').then((m) => m.NotFoundComponent) },
    ],
  },
  { path: '**', redirectTo: '' },
];
