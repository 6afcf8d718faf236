import { lazy } from 'react';
import type { WebModule } from '..';

// office (issue 8 A): quotes, quote editor, clients, projects, templates
const Quotes = lazy(() => import('./Quotes'));
const QuoteEditor = lazy(() => import('./QuoteEditor'));
const Clients = lazy(() => import('./Clients'));
const Projects = lazy(() => import('./Projects'));
const Templates = lazy(() => import('./Templates'));
const OFFICE_ROLES: ('staff' | 'manager' | 'admin')[] = ['staff', 'manager', 'admin'];

/** Operations pages (spec operations §9): quotes and their editor, clients/projects/templates, notification settings, overview, backups, keys, restores, history and alerts. */
export const operationsWeb: WebModule = {
  name: 'operations',
  label: 'operations.module',
  nav: [
    { to: '/operations/quotes', label: 'operations.quotes', icon: 'list', roles: OFFICE_ROLES },
    { to: '/operations/clients', label: 'operations.clients', icon: 'users', roles: OFFICE_ROLES },
    { to: '/operations/projects', label: 'operations.projects', icon: 'sliders', roles: OFFICE_ROLES },
    { to: '/operations/templates', label: 'operations.templates', icon: 'copy', roles: OFFICE_ROLES },
  ],
  routes: [
    { path: 'operations/quotes', page: Quotes, roles: OFFICE_ROLES },
    { path: 'operations/quotes/new', page: QuoteEditor, roles: OFFICE_ROLES },
    { path: 'operations/quotes/:id', page: QuoteEditor, roles: OFFICE_ROLES },
    { path: 'operations/clients', page: Clients, roles: OFFICE_ROLES },
    { path: 'operations/projects', page: Projects, roles: OFFICE_ROLES },
    { path: 'operations/templates', page: Templates, roles: OFFICE_ROLES },
  ],
};
