import type { GlucoseServices } from '../services.js';
import { canAccessPatient } from '../access/scope.js';
import { recordAudit } from '../../../platform/audit/writer.js';

export type LogKind = 'meal' | 'insulin' | 'medication_intake' | 'activity' | 'hydration';

const defined = new WeakSet<object>();

/** Topic `glucose.logs:<patientId>` (§6): log.created / log.deleted; a subscription is an audited read. */
export function defineLogTopic(svc: GlucoseServices) {
  if (defined.has(svc)) return;
  defined.add(svc);
  svc.ctx.realtime.defineTopic({
    prefix: 'glucose.logs',
    description: 'glucose.logs:<patientId> — log.created, log.deleted (meal, insulin, medication_intake, activity, hydration)',
    authorize: async (user, patientId) => {
      const allowed = await canAccessPatient(svc.ctx.db, user, patientId);
      if (allowed) {
        await recordAudit(svc.ctx.db, { actorId: user.id, ip: null, requestId: null }, {
          action: 'glucose.logs.subscribed', entity: 'glucose.logs', entityId: patientId, diff: { patientId },
        });
      }
      return allowed;
    },
  });
}

/** Publishes after commit; a failed publish never fails the request (clients refetch). */
export async function publishLog(svc: GlucoseServices, patientId: string, event: 'log.created' | 'log.deleted', kind: LogKind, id: string, at: Date | string, summary: string) {
  try {
    await svc.ctx.realtime.publish(`glucose.logs:${patientId}`, event, { kind, id, at: new Date(at).toISOString(), summary });
  } catch (err) {
    svc.ctx.log.warn({ err, patientId }, 'glucose: log event not published');
  }
}
