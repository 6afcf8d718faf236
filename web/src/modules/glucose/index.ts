import { lazy } from 'react';
import type { WebModule } from '..';

const MyPatients = lazy(() => import('./MyPatients'));
const PatientView = lazy(() => import('./PatientView'));
const CareTeam = lazy(() => import('./CareTeam'));
const Devices = lazy(() => import('./Devices'));
const Alerts = lazy(() => import('./Alerts'));
const AlertSettings = lazy(() => import('./AlertSettings'));

/** Glucose pages (spec glucose §8): live cards, the live chart, alerts inbox and settings, care team, Nightscout setup. */
export const glucoseWeb: WebModule = {
  name: 'glucose',
  label: 'glucose.module',
  nav: [
    { to: '/glucose/patients/me', label: 'glucose.myGlucose', icon: 'home', roles: ['patient'] },
    { to: '/glucose/patients', label: 'glucose.myPatients', icon: 'users', roles: ['caregiver', 'clinician', 'admin'] },
    { to: '/glucose/alerts', label: 'glucose.alerts', icon: 'bell', roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { to: '/glucose/settings', label: 'glucose.alertSettings', icon: 'sliders', roles: ['patient'] },
    { to: '/glucose/care-team', label: 'glucose.careTeam', icon: 'users', roles: ['patient', 'caregiver', 'clinician'] },
    { to: '/glucose/devices', label: 'glucose.devices', icon: 'cpu', roles: ['patient'] },
  ],
  routes: [
    { path: 'glucose/patients', page: MyPatients, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/patients/:patientId', page: PatientView, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/alerts', page: Alerts, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/settings', page: AlertSettings, roles: ['patient'] },
    { path: 'glucose/patients/:patientId/alert-settings', page: AlertSettings, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/care-team', page: CareTeam, roles: ['patient', 'caregiver', 'clinician'] },
    { path: 'glucose/devices', page: Devices, roles: ['patient'] },
  ],
};
