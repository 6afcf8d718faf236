import type { WebModule } from '..';

/** Operations pages (spec operations §9): quotes and their editor, clients/projects/templates, notification settings, overview, backups, keys, restores, history and alerts. */
export const operationsWeb: WebModule = {
  name: 'operations',
  label: 'operations.module',
  nav: [],
  routes: [],
};
