import type { NavItem } from '../../modules';
import type { MessageKey } from '../i18n';

export interface NavSection { label?: MessageKey; items: NavItem[] }

export const platformNav: NavSection[] = [
  { items: [
    { to: '/', label: 'nav.home', icon: 'home' },
    { to: '/inbox', label: 'nav.inbox', icon: 'inbox' },
  ] },
  { label: 'nav.account', items: [
    { to: '/account/profile', label: 'nav.profile', icon: 'user' },
    { to: '/account/preferences', label: 'nav.preferences', icon: 'sliders' },
    { to: '/account/security', label: 'nav.security', icon: 'shield' },
    { to: '/account/notifications', label: 'nav.notifications', icon: 'bell' },
  ] },
  { label: 'nav.administration', items: [
    { to: '/admin/users', label: 'nav.users', icon: 'users', roles: ['admin'] },
    { to: '/admin/audit', label: 'nav.audit', icon: 'list', roles: ['admin'] },
    { to: '/admin/jobs', label: 'nav.jobs', icon: 'cpu', roles: ['admin', 'manager'] },
  ] },
];
