import type { IconName } from '../shared/ui/icon.component';

export interface NavItem {
  path: string;
  label: string;
  icon: IconName;
}

/** Every section of the console, in the order the navigation shows them. */
export const NAVIGATION: readonly NavItem[] = [
  { path: '/dashboard', label: 'Dashboard', icon: 'dashboard' },
  { path: '/hosts', label: 'Hosts', icon: 'host' },
  { path: '/auto-registration', label: 'Auto-registration', icon: 'host' },
  { path: '/agent-upgrades', label: 'Agent upgrades', icon: 'host' },
  { path: '/reports/services', label: 'Service health', icon: 'service' },
  { path: '/problems', label: 'Problems', icon: 'alert' },
  { path: '/host-groups', label: 'Host groups', icon: 'group' },
  { path: '/plugins', label: 'Plugins', icon: 'plugin' },
  { path: '/checks', label: 'Checks', icon: 'check' },
  { path: '/schedules', label: 'Schedules', icon: 'schedule' },
  { path: '/services', label: 'Services', icon: 'service' },
  { path: '/alerts', label: 'Alerts', icon: 'alert' },
  { path: '/silences', label: 'Silences', icon: 'alert' },
  { path: '/notifications', label: 'Notifications', icon: 'log' },
  { path: '/marketplace', label: 'Marketplace', icon: 'store' },
  { path: '/rollouts', label: 'Staged rollouts', icon: 'store' },
  { path: '/publisher-keys', label: 'Publisher keys', icon: 'key' },
  { path: '/users', label: 'Users', icon: 'users' },
  { path: '/tokens', label: 'API tokens', icon: 'key' },
  { path: '/settings', label: 'Settings', icon: 'settings' },
  { path: '/system-log', label: 'System log', icon: 'log' },
  { path: '/audit', label: 'Audit trail', icon: 'log' },
];
