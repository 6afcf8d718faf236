import type { FastifyRequest } from 'fastify';
import { recordAudit } from '../../../platform/audit/writer.js';
import type { GlucoseServices } from '../services.js';
import { uploaderActor, type Uploader } from './guard.js';

/** The Nightscout server version Atrium answers as (uploaders check for a recent one). */
export const NIGHTSCOUT_VERSION = '15.0.0';

/** A read of health data through an uploader credential: one audit event, actor `uploader:<patientId>`. */
export const auditUploaderRead = (svc: GlucoseServices, req: FastifyRequest, u: Uploader, resource: string, details: Record<string, unknown>) =>
  recordAudit(svc.ctx.db, uploaderActor(req, u), {
    action: `glucose.nightscout.${resource}.read`, entity: `glucose.nightscout.${resource}`, entityId: u.patientId,
    diff: { patientId: u.patientId, role: 'uploader', app: u.app, ...details },
  });
