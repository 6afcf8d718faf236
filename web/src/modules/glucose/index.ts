import { lazy } from 'react';
import type { WebModule } from '..';

const MyPatients = lazy(() => import('./MyPatients'));
const PatientView = lazy(() => import('./PatientView'));
const CareTeam = lazy(() => import('./CareTeam'));
const Devices = lazy(() => import('./Devices'));
const Alerts = lazy(() => import('./Alerts'));
const AlertSettings = lazy(() => import('./AlertSettings'));
// Glucose III: medications, log forms, nutrition & activity
const Medications = lazy(() => import('./Medications'));
const Nutrition = lazy(() => import('./Nutrition'));
const LogForms = lazy(() => import('./LogForms'));
const Dashboard = lazy(() => import('./Dashboard'));
const Reports = lazy(() => import('./Reports'));
// Glucose III: prediction accuracy
const PredictionAccuracy = lazy(() => import('./PredictionAccuracy'));
// Glucose II: trends, clinician patient list by risk, clinician patient detail
const Trends = lazy(() => import('./Trends'));
const ClinicianPatients = lazy(() => import('./ClinicianPatients'));
const ClinicianPatient = lazy(() => import('./ClinicianPatient'));

/** Glucose pages (spec glucose §8): live cards, the live chart, alerts inbox and settings, care team, Nightscout setup. */
export const glucoseWeb: WebModule = {
  name: 'glucose',
  label: 'glucose.module',
  nav: [
    { to: '/glucose/patients/me/log', label: 'care.log', icon: 'plus', roles: ['patient'] },
    { to: '/glucose/patients/me/medications', label: 'care.medications', icon: 'clock', roles: ['patient'] },
    { to: '/glucose/patients/me/nutrition', label: 'care.nutrition', icon: 'list', roles: ['patient'] },
    { to: '/glucose/dashboard', label: 'glucose.dashboard', icon: 'home', roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { to: '/glucose/patients/me', label: 'glucose.myGlucose', icon: 'home', roles: ['patient'] },
    { to: '/glucose/patients', label: 'glucose.myPatients', icon: 'users', roles: ['caregiver', 'clinician', 'admin'] },
    { to: '/glucose/patients/me/trends', label: 'trends.nav', icon: 'list', roles: ['patient'] },
    { to: '/glucose/clinic', label: 'clinic.nav', icon: 'list', roles: ['clinician', 'admin'] },
    { to: '/glucose/alerts', label: 'glucose.alerts', icon: 'bell', roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { to: '/glucose/settings', label: 'glucose.alertSettings', icon: 'sliders', roles: ['patient'] },
    { to: '/glucose/care-team', label: 'glucose.careTeam', icon: 'users', roles: ['patient', 'caregiver', 'clinician'] },
    { to: '/glucose/devices', label: 'glucose.devices', icon: 'cpu', roles: ['patient'] },
    { to: '/glucose/reports', label: 'glucose.reportsNav', icon: 'download', roles: ['patient', 'caregiver', 'clinician', 'admin'] },
  ],
  routes: [
    { path: 'glucose/patients/:patientId/medications', page: Medications, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/patients/:patientId/nutrition', page: Nutrition, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/patients/:patientId/log', page: LogForms, roles: ['patient', 'caregiver', 'admin'] },
    { path: 'glucose/dashboard', page: Dashboard, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/reports', page: Reports, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/patients/:patientId/reports', page: Reports, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/patients/:patientId/trends', page: Trends, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/patients/:patientId/clinical', page: ClinicianPatient, roles: ['caregiver', 'clinician', 'admin'] },
    { path: 'glucose/clinic', page: ClinicianPatients, roles: ['caregiver', 'clinician', 'admin'] },
    { path: 'glucose/patients', page: MyPatients, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/patients/:patientId', page: PatientView, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/alerts', page: Alerts, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/settings', page: AlertSettings, roles: ['patient'] },
    { path: 'glucose/patients/:patientId/alert-settings', page: AlertSettings, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
    { path: 'glucose/care-team', page: CareTeam, roles: ['patient', 'caregiver', 'clinician'] },
    { path: 'glucose/devices', page: Devices, roles: ['patient'] },
    { path: 'glucose/patients/:patientId/predictions', page: PredictionAccuracy, roles: ['patient', 'caregiver', 'clinician', 'admin'] },
  ],
};
