import { lazy } from 'react';
import type { WebModule } from '..';

// office (issue 8 A): quotes, quote editor, clients, projects, templates
const Quotes = lazy(() => import('./Quotes'));
const QuoteEditor = lazy(() => import('./QuoteEditor'));
const Clients = lazy(() => import('./Clients'));
const Projects = lazy(() => import('./Projects'));
const Templates = lazy(() => import('./Templates'));
const OFFICE_ROLES: ('staff' | 'manager' | 'admin')[] = ['staff', 'manager', 'admin'];
// backups (issue 8 C): backups, keys, restores — admins only
const Backups = lazy(() => import('./Backups'));
const BackupKeys = lazy(() => import('./BackupKeys'));
const Restores = lazy(() => import('./Restores'));
const BACKUP_ROLES: 'admin'[] = ['admin'];
// notifications and housekeeping (issue 8 B): notification settings, overview, history and alerts
const NotificationSettings = lazy(() => import('./NotificationSettings'));
const OpsOverview = lazy(() => import('./OpsOverview'));
const OpsHistory = lazy(() => import('./OpsHistory'));
const MANAGER_ROLES: ('manager' | 'admin')[] = ['manager', 'admin'];

/** Operations pages (spec operations §9): quotes and their editor, clients/projects/templates, notification settings, overview, backups, keys, restores, history and alerts. */
export const operationsWeb: WebModule = {
  name: 'operations',
  label: 'operations.module',
  nav: [
    { to: '/operations/quotes', label: 'operations.quotes', icon: 'list', roles: OFFICE_ROLES },
    { to: '/operations/clients', label: 'operations.clients', icon: 'users', roles: OFFICE_ROLES },
    { to: '/operations/projects', label: 'operations.projects', icon: 'sliders', roles: OFFICE_ROLES },
    { to: '/operations/templates', label: 'operations.templates', icon: 'copy', roles: OFFICE_ROLES },
    { to: '/operations/overview', label: 'opsOverview.nav', icon: 'home', roles: MANAGER_ROLES },
    { to: '/operations/notification-settings', label: 'opsNotify.nav', icon: 'bell', roles: MANAGER_ROLES },
    { to: '/operations/history', label: 'opsHistory.nav', icon: 'clock', roles: MANAGER_ROLES },
    { to: '/operations/backups', label: 'opsBackups.nav', icon: 'shield', roles: BACKUP_ROLES },
    { to: '/operations/backup-keys', label: 'opsKeys.nav', icon: 'key', roles: BACKUP_ROLES },
    { to: '/operations/restores', label: 'opsRestores.nav', icon: 'refresh', roles: BACKUP_ROLES },
  ],
  routes: [
    { path: 'operations/quotes', page: Quotes, roles: OFFICE_ROLES },
    { path: 'operations/quotes/new', page: QuoteEditor, roles: OFFICE_ROLES },
    { path: 'operations/quotes/:id', page: QuoteEditor, roles: OFFICE_ROLES },
    { path: 'operations/clients', page: Clients, roles: OFFICE_ROLES },
    { path: 'operations/projects', page: Projects, roles: OFFICE_ROLES },
    { path: 'operations/templates', page: Templates, roles: OFFICE_ROLES },
    { path: 'operations/overview', page: OpsOverview, roles: MANAGER_ROLES },
    { path: 'operations/notification-settings', page: NotificationSettings, roles: MANAGER_ROLES },
    { path: 'operations/history', page: OpsHistory, roles: MANAGER_ROLES },
    { path: 'operations/backups', page: Backups, roles: BACKUP_ROLES },
    { path: 'operations/backup-keys', page: BackupKeys, roles: BACKUP_ROLES },
    { path: 'operations/restores', page: Restores, roles: BACKUP_ROLES },
  ],
};
