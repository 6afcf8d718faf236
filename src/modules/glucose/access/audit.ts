import type { FastifyRequest } from 'fastify';
import { actorOf, recordAudit, type AuditActor } from '../../../platform/audit/writer.js';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import type { PatientAccess } from './scope.js';

/**
 * One audit event per read of health data (§2): `glucose.<resource>.read` with the patient, the caller's
 * relation to them and, for time-series reads, the window asked for.
 */
export function recordHealthRead(db: DbOrTx, req: FastifyRequest, access: PatientAccess, resource: string, details: Record<string, unknown> = {}, actor: AuditActor = actorOf(req)) {
  return recordAudit(db, actor, {
    action: `glucose.${resource}.read`, entity: `glucose.${resource}`, entityId: access.patientId,
    diff: { patientId: access.patientId, role: access.as, ...details },
  });
}
