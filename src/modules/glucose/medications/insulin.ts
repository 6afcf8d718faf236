import { Type } from 'typebox';
import { sql } from 'kysely';
import type { App } from '../../../platform/types.js';
import type { DbOrTx } from '../../../platform/db/transaction.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { authenticatedUser } from '../../../platform/auth/guards.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { badRequest, notFound } from '../../../platform/http/errors.js';
import { patientAccess, patientScope } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import type { GlucoseServices } from '../services.js';
import { Enum, Nullable } from '../readings/model.js';
import { publishLog } from '../nutrition/events.js';
import { after, page, timeCursor } from '../nutrition/paging.js';
import type { InsulinKind } from '../nutrition/tables.js';

export const INSULIN_KINDS = ['rapid', 'ultra_rapid', 'regular', 'intermediate', 'long', 'premixed'] as const;
export const PURPOSES = ['meal', 'correction', 'basal', 'other'] as const;
const Iso = Type.String({ format: 'date-time' });

export const InsulinDoseSchema = Type.Object({
  id: Type.String(), patientId: Type.String(), administeredAt: Iso, units: Type.Number(), insulinKind: Type.String(), purpose: Type.String(),
  source: Type.String(), medicationDoseId: Nullable(Type.String()), flags: Type.Array(Type.String()), notes: Nullable(Type.String()),
  enteredBy: Nullable(Type.String()), enteredByName: Nullable(Type.String()),
  inInsulinOnBoard: Type.Boolean({ description: 'Only rapid and ultra-rapid doses that are not possible duplicates enter insulin on board' }),
});

interface Row { id: string; patient_id: string; administered_at: Date; units: string; insulin_kind: InsulinKind; purpose: string; source: string; medication_dose_id: string | null; flags: string[]; notes: string | null; entered_by: string | null; entered_by_name?: string | null }

export const toInsulinDto = (r: Row) => ({
  id: r.id, patientId: r.patient_id, administeredAt: new Date(r.administered_at).toISOString(), units: Number(r.units), insulinKind: r.insulin_kind,
  purpose: r.purpose, source: r.source, medicationDoseId: r.medication_dose_id, flags: r.flags, notes: r.notes, enteredBy: r.entered_by,
  enteredByName: r.entered_by_name ?? null,
  inInsulinOnBoard: (r.insulin_kind === 'rapid' || r.insulin_kind === 'ultra_rapid') && !r.flags.includes('possible_duplicate'),
});

/** §4.2.5: a dose within ±2 min with equal units of a record from another source is a possible duplicate. */
export async function isPossibleDuplicate(db: DbOrTx, patientId: string, atMs: number, units: number, source: string, exceptId?: string): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`select id from glucose.insulin_doses where patient_id = ${patientId} and deleted_at is null
    and source <> ${source} and units = ${units} and not ('possible_duplicate' = any(flags))
    and administered_at between ${new Date(atMs - 120_000).toISOString()}::timestamptz and ${new Date(atMs + 120_000).toISOString()}::timestamptz
    ${exceptId ? sql`and id <> ${exceptId}` : sql``} limit 1`.execute(db);
  return rows.length > 0;
}

export default async function insulinRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const { db } = ctx;
  const tags = ['glucose medications'];
  const P = Type.Object({ patientId: Type.String() });

  app.get('/patients/:patientId/insulin-doses', {
    schema: {
      tags, summary: 'Insulin doses, newest first (default: last 7 days)', params: P,
      querystring: Type.Object({ from: Type.Optional(Iso), to: Type.Optional(Iso), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }), cursor: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(InsulinDoseSchema), nextCursor: Nullable(Type.String()) }), ...problemResponses(400, 401, 404) },
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const to = req.query.to ? Date.parse(req.query.to) : Date.now() + 5 * 60_000;
    const from = req.query.from ? Date.parse(req.query.from) : to - 7 * 86_400_000;
    if (from > to) throw badRequest('invalid_range', 'from must be before to.', [{ path: 'query.from', message: 'must be before to' }]);
    const { rows } = await sql<Row>`select d.*, u.display_name as entered_by_name from glucose.insulin_doses d left join platform.users u on u.id = d.entered_by
      where d.patient_id = ${access.patientId} and d.deleted_at is null
        and d.administered_at >= ${new Date(from).toISOString()}::timestamptz and d.administered_at <= ${new Date(to).toISOString()}::timestamptz
        ${after('d.administered_at', timeCursor(req.query.cursor), true, 'd.id')}
      order by d.administered_at desc, d.id desc limit ${req.query.limit + 1}`.execute(db);
    await recordHealthRead(db, req, access, 'insulin', { from: new Date(from).toISOString(), to: new Date(to).toISOString() });
    const out = page(rows, req.query.limit, (r) => [r.administered_at, r.id]);
    return { items: out.items.map(toInsulinDto), nextCursor: out.nextCursor };
  });

  app.post('/patients/:patientId/insulin-doses', {
    schema: {
      tags, summary: 'Log an insulin dose (patient, caregiver, admin)',
      description: '400 invalid_units (0.05–100 in steps of 0.05), administered_at_in_future, administered_at_too_old. Send Idempotency-Key to retry safely.',
      params: P,
      body: Type.Object({
        administeredAt: Type.Optional(Iso), units: Type.Number({ minimum: 0.05, maximum: 100 }), insulinKind: Enum(INSULIN_KINDS),
        purpose: Enum(PURPOSES), notes: Type.Optional(Type.String({ maxLength: 500 })),
      }, { additionalProperties: false }),
      response: { 201: InsulinDoseSchema, ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: patientScope(ctx, ['patient', 'caregiver', 'admin']), config: { idempotent: true },
  }, async (req, reply) => {
    const access = patientAccess(req);
    const me = authenticatedUser(req);
    const now = Date.now();
    const body = req.body;
    const at = body.administeredAt ? Date.parse(body.administeredAt) : now;
    if (Math.abs(Math.round(body.units * 20) - body.units * 20) > 1e-6) throw badRequest('invalid_units', 'Units go in steps of 0.05.', [{ path: 'body.units', message: 'must be a multiple of 0.05' }]);
    if (at > now + 5 * 60_000) throw badRequest('administered_at_in_future', 'administeredAt cannot be more than 5 minutes ahead.', [{ path: 'body.administeredAt', message: 'must not be more than 5 minutes in the future' }]);
    if (at < now - 30 * 86_400_000) throw badRequest('administered_at_too_old', 'Doses can be logged up to 30 days back.', [{ path: 'body.administeredAt', message: 'must be within the last 30 days' }]);
    const units = Math.round(body.units * 20) / 20;
    const row = await db.transaction().execute(async (tx) => {
      const dup = await isPossibleDuplicate(tx, access.patientId, at, units, 'manual');
      const inserted = await tx.insertInto('glucose.insulin_doses').values({
        patient_id: access.patientId, administered_at: new Date(at), units, insulin_kind: body.insulinKind, purpose: body.purpose, source: 'manual',
        flags: dup ? ['possible_duplicate'] : [], notes: body.notes ?? null, entered_by: me.id,
      }).returningAll().executeTakeFirstOrThrow();
      await recordAudit(tx, actorOf(req), { action: 'glucose.insulin_dose.created', entity: 'glucose.insulin_dose', entityId: inserted.id, diff: { patientId: access.patientId, role: access.as, units, insulinKind: body.insulinKind, purpose: body.purpose, administeredAt: new Date(at).toISOString() } });
      return inserted as unknown as Row;
    });
    await publishLog(svc, access.patientId, 'log.created', 'insulin', row.id, row.administered_at, `${units} U ${body.insulinKind}`);
    return reply.code(201).send(toInsulinDto(row));
  });

  app.delete('/patients/:patientId/insulin-doses/:doseId', {
    schema: { tags, summary: 'Delete an insulin dose (patient, caregiver, admin)', params: Type.Object({ patientId: Type.String(), doseId: Type.String({ format: 'uuid' }) }), response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: patientScope(ctx, ['patient', 'caregiver', 'admin']),
  }, async (req, reply) => {
    const access = patientAccess(req);
    const row = await db.transaction().execute(async (tx) => {
      const r = await tx.updateTable('glucose.insulin_doses').set({ deleted_at: new Date() }).where('id', '=', req.params.doseId)
        .where('patient_id', '=', access.patientId).where('deleted_at', 'is', null).returning(['id', 'administered_at', 'units']).executeTakeFirst();
      if (!r) throw notFound('insulin_dose_not_found', 'No such insulin dose for this patient.');
      await recordAudit(tx, actorOf(req), { action: 'glucose.insulin_dose.deleted', entity: 'glucose.insulin_dose', entityId: r.id, diff: { patientId: access.patientId, role: access.as } });
      return r;
    });
    await publishLog(svc, access.patientId, 'log.deleted', 'insulin', row.id, row.administered_at, `${Number(row.units)} U`);
    return reply.code(204).send(null);
  });
}
