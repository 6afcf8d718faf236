import type { LazyExoticComponent, ComponentType } from 'react';
import type { IconName } from '../platform/ui/icons';
import type { MessageKey } from '../platform/i18n';
import { glucoseWeb } from './glucose';
import { operationsWeb } from './operations';
import { sourcingWeb } from './sourcing';

/** Roles as the API names them (the `roles` of /api/v1/me). */
export type Role = 'admin' | 'patient' | 'clinician' | 'caregiver' | 'buyer' | 'staff' | 'manager' | 'supervisor' | 'gaveur';

export interface WebRoute {
  /** Under `/`, e.g. `glucose` or `glucose/readings/:id`. */
  path: string;
  page: LazyExoticComponent<ComponentType>;
  /** Who may open it; absent means every signed-in user. */
  roles?: Role[];
}

export interface NavItem {
  to: string;
  label: MessageKey;
  icon: IconName;
  roles?: Role[];
}

/** What a module adds to the web app: its pages (loaded on demand) and its entries in the navigation. */
export interface WebModule {
  name: string;
  label: MessageKey;
  nav: NavItem[];
  routes: WebRoute[];
}

/** The server modules' pages, mirrored under web/src/modules/<module>/. Each module issue adds its own. */
export const webModules: WebModule[] = [glucoseWeb, sourcingWeb, operationsWeb];
