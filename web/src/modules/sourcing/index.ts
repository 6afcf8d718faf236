import { lazy } from 'react';
import type { WebModule } from '..';

const SupplierList = lazy(() => import('./SupplierList'));
const SupplierDetail = lazy(() => import('./SupplierDetail'));
const AssessmentList = lazy(() => import('./Assessments').then((m) => ({ default: m.AssessmentList })));
const NewAssessment = lazy(() => import('./Assessments').then((m) => ({ default: m.NewAssessment })));
const AssessmentView = lazy(() => import('./AssessmentView'));
const Compare = lazy(() => import('./Compare'));
const Tradeoff = lazy(() => import('./Tradeoff'));

const ROLES = ['buyer', 'manager', 'admin'] as const;

/** Sourcing pages (spec sourcing §9): supplier list with map, supplier detail, assessment wizard, comparison radar, trade-off. */
export const sourcingWeb: WebModule = {
  name: 'sourcing',
  label: 'sourcing.module',
  nav: [
    { to: '/sourcing/suppliers', label: 'sourcing.suppliers', icon: 'globe', roles: [...ROLES] },
    { to: '/sourcing/assessments', label: 'sourcing.assessments', icon: 'sliders', roles: [...ROLES] },
  ],
  routes: [
    { path: 'sourcing/suppliers', page: SupplierList, roles: [...ROLES] },
    { path: 'sourcing/suppliers/:id', page: SupplierDetail, roles: [...ROLES] },
    { path: 'sourcing/assessments', page: AssessmentList, roles: [...ROLES] },
    { path: 'sourcing/assessments/new', page: NewAssessment, roles: ['buyer', 'manager'] },
    { path: 'sourcing/assessments/:id', page: AssessmentView, roles: [...ROLES] },
    { path: 'sourcing/assessments/:id/compare', page: Compare, roles: [...ROLES] },
    { path: 'sourcing/assessments/:id/tradeoff', page: Tradeoff, roles: [...ROLES] },
  ],
};
