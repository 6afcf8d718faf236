import { startTestApp, type TestApp, type TestUser } from '../../../test/helpers/app.js';
import { glucose } from './index.js';
import type { ModuleContext } from '../../platform/types.js';
import { requireAuth, requireRelation, requireRole } from '../../platform/auth/guards.js';
import type { Relation } from './tables.js';

/** A test app with the glucose module (and its Nightscout paths). */
export const startGlucoseApp = (env: Record<string, string> = {}) => startTestApp({ modules: [glucose], env });

/** Links a caregiver or clinician to a patient, as an admin would. */
export async function link(t: TestApp, patient: TestUser, member: TestUser, relation: Relation = member.roles.includes('clinician') ? 'clinician' : 'caregiver') {
  await t.db.db.insertInto('glucose.care_links').values({ patient_id: patient.id, member_id: member.id, relation, via: 'admin', created_by: null }).execute();
}

/** CGM items every `stepMin` minutes ending `endAgoMin` minutes ago, values from `value(i)`. */
export function cgmSeries(count: number, value: (i: number) => number, options: { stepMin?: number; endAgoMin?: number; endMs?: number } = {}) {
  const step = (options.stepMin ?? 5) * 60_000;
  const end = options.endMs ?? Math.floor((Date.now() - (options.endAgoMin ?? 1) * 60_000) / 1000) * 1000;
  return Array.from({ length: count }, (_, i) => ({ measuredAt: new Date(end - (count - 1 - i) * step).toISOString(), value: value(i) }));
}

export const minutesAgo = (min: number) => new Date(Math.floor((Date.now() - min * 60_000) / 1000) * 1000).toISOString();

/** Creates the patient's uploader secret and answers a client that sends it as Nightscout uploaders do. */
export async function nightscoutUploader(t: TestApp, patient: TestUser, userAgent = 'xDrip+ 2024.01') {
  const created = await t.api('POST', '/api/v1/glucose/patients/me/upload-credentials', { token: patient.token, body: {} });
  if (created.status !== 201) throw new Error(`upload secret not created: ${created.status} ${JSON.stringify(created.body)}`);
  const sha1 = created.body.sha1 as string;
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    t.api(method, path, { body, headers: { 'api-secret': sha1, 'user-agent': userAgent, ...headers } });
  return { secret: created.body.secret as string, sha1, call };
}

/** The module context the app gave the glucose module (for seeds and jobs called directly). */
export const contextOf = (t: TestApp): ModuleContext => ({ ...t.app.platform, log: t.app.log, requireAuth, requireRole, requireRelation });
