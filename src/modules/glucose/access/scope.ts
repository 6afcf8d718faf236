import type { FastifyRequest } from 'fastify';
import type { AuthUser, ModuleContext } from '../../../platform/types.js';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import type { Guard } from '../../../platform/auth/guards.js';
import { forbidden, notFound } from '../../../platform/http/errors.js';

/** How the caller reaches a patient's record: as the patient, through a care-team link, or as an admin. */
export type AccessKind = 'patient' | 'caregiver' | 'clinician' | 'admin';

export interface PatientAccess { patientId: string; as: AccessKind }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const patientNotFound = () => notFound('patient_not_found', 'No such patient.');

/**
 * Resolves `{patientId}` (`me` for a patient) to the access the caller has, or undefined when the patient is
 * outside the caller's scope — which the routes answer exactly like a patient that does not exist.
 */
export async function resolvePatientAccess(db: DbOrTx, user: AuthUser, raw: string): Promise<PatientAccess | undefined> {
  const isPatient = user.roles.includes('patient');
  if (raw === 'me') return isPatient ? { patientId: user.id, as: user.roles.includes('admin') ? 'admin' : 'patient' } : undefined;
  if (!UUID.test(raw)) return undefined;
  const patientId = raw.toLowerCase();
  if (user.roles.includes('admin')) return (await isPatientAccount(db, patientId)) ? { patientId, as: 'admin' } : undefined;
  if (patientId === user.id) return isPatient ? { patientId, as: 'patient' } : undefined;
  const relation = await activeRelation(db, patientId, user);
  return relation ? { patientId, as: relation } : undefined;
}

/** The relation of an active care-team link, provided the member still holds the role it was made for. */
export async function activeRelation(db: DbOrTx, patientId: string, user: AuthUser): Promise<'caregiver' | 'clinician' | undefined> {
  const roles = user.roles.filter((r): r is 'caregiver' | 'clinician' => r === 'caregiver' || r === 'clinician');
  if (roles.length === 0) return undefined;
  const link = await db.selectFrom('glucose.care_links').select('relation')
    .where('patient_id', '=', patientId).where('member_id', '=', user.id).where('ended_at', 'is', null)
    .where('relation', 'in', roles).executeTakeFirst();
  return link?.relation;
}

const PATIENT_CACHE_MS = 5_000;
const patientAccounts = new WeakMap<object, Map<string, number>>();

/**
 * Whether the user holds the patient role. Positive answers are kept 5 s per process (an admin's calls on one
 * patient come in bursts); a revoked role is seen within that time, as the platform's session cache does.
 */
export async function isPatientAccount(db: DbOrTx, userId: string): Promise<boolean> {
  let known = patientAccounts.get(db);
  if (!known) { known = new Map(); patientAccounts.set(db, known); }
  const until = known.get(userId);
  if (until !== undefined && until > Date.now()) return true;
  const row = await db.selectFrom('platform.user_roles').select('user_id').where('user_id', '=', userId).where('role', '=', 'patient').executeTakeFirst();
  if (row) {
    if (known.size > 50_000) known.clear();
    known.set(userId, Date.now() + PATIENT_CACHE_MS);
  }
  return row !== undefined;
}

/** Whether this user may see the patient at all (WebSocket topics use it). */
export async function canAccessPatient(db: DbOrTx, user: AuthUser, patientId: string): Promise<boolean> {
  return (await resolvePatientAccess(db, user, patientId)) !== undefined;
}

const accessOf = new WeakMap<FastifyRequest, PatientAccess>();

/** The access resolved by the route's patient guard. */
export function patientAccess(req: FastifyRequest): PatientAccess {
  const access = accessOf.get(req);
  if (!access) throw new Error(`route ${req.routeOptions.url} reads the patient without a patientScope guard`);
  return access;
}

/**
 * The guard of every patient-scoped route: 404 `patient_not_found` outside the caller's scope (also for a wrong
 * role, so nothing tells a stranger the patient exists); then 403 when the caller's access kind may not do
 * this (a linked clinician entering a reading, for instance).
 */
export function patientScope(ctx: ModuleContext, allowed?: AccessKind[], param = 'patientId'): Guard {
  return ctx.requireRelation(async (req, user) => {
    const raw = (req.params as Record<string, string>)[param];
    const access = raw === undefined ? undefined : await resolvePatientAccess(ctx.db, user, raw);
    if (!access) throw patientNotFound();
    if (allowed && !allowed.includes(access.as)) {
      throw forbidden('not_allowed_for_relation', `As ${access.as === 'admin' ? 'an admin' : `the patient's ${access.as}`} you cannot do this; allowed: ${allowed.join(', ')}.`);
    }
    accessOf.set(req, access);
    return true;
  });
}
