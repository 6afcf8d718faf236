import { Type } from 'typebox';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { actorOf, recordAudit } from '../../../platform/audit/writer.js';
import { notFound } from '../../../platform/http/errors.js';
import { patientAccess, patientScope } from '../access/scope.js';
import { Nullable } from '../readings/model.js';
import type { GlucoseServices } from '../services.js';
import { newAccessToken, newUploadSecret, sha1Hex } from './keys.js';

const Params = Type.Object({ patientId: Type.String() });
const Iso = Type.String({ format: 'date-time' });
const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

const Status = Type.Object({
  exists: Type.Boolean({ description: 'An upload secret is set' }),
  baseUrl: Type.String({ description: 'The "Nightscout URL" to enter in the uploader' }),
  createdAt: Nullable(Iso),
  rotatedAt: Nullable(Iso),
  previousValidUntil: Nullable(Iso),
  accessToken: Type.Object({ exists: Type.Boolean(), createdAt: Nullable(Iso) }),
  lastUsedAt: Nullable(Iso),
  lastUsedApp: Nullable(Type.String()),
});

export default async function credentialRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const { db } = ctx;
  const tags = ['glucose nightscout'];
  const owner = patientScope(ctx, ['patient', 'admin']);
  const baseUrl = ctx.config.publicUrl;

  app.get('/patients/:patientId/upload-credentials', {
    schema: { tags, summary: 'Whether the patient has an uploader secret, and when it was last used (never the secret)', params: Params, response: { 200: Status, ...problemResponses(401, 403, 404) } },
    preHandler: owner,
  }, async (req) => {
    const row = await db.selectFrom('glucose.upload_credentials').selectAll().where('patient_id', '=', patientAccess(req).patientId).executeTakeFirst();
    return {
      exists: Boolean(row?.secret_lookup), baseUrl, createdAt: iso(row?.created_at), rotatedAt: iso(row?.rotated_at),
      previousValidUntil: row?.previous_valid_until && new Date(row.previous_valid_until) > new Date() ? iso(row.previous_valid_until) : null,
      accessToken: { exists: Boolean(row?.access_token_lookup), createdAt: iso(row?.access_token_created_at) },
      lastUsedAt: iso(row?.last_used_at), lastUsedApp: row?.last_used_app ?? null,
    };
  });

  app.post('/patients/:patientId/upload-credentials', {
    schema: {
      tags, summary: 'Create or rotate the uploader secret; it is shown once (patient, admin)',
      description: 'Enter `baseUrl` as the Nightscout URL and `secret` as the API secret in xDrip+, Loop, Spike or AndroidAPS. '
        + '`keepPreviousForHours` keeps the old secret working during a phone changeover.',
      params: Params,
      body: Type.Union([Type.Object({ keepPreviousForHours: Type.Optional(Type.Integer({ minimum: 0, maximum: 48, description: 'Default 0' })) }, { additionalProperties: false }), Type.Null()]),
      response: { 201: Type.Object({ secret: Type.String(), sha1: Type.String(), baseUrl: Type.String(), createdAt: Iso }), ...problemResponses(400, 401, 403, 404) },
    },
    preHandler: owner,
  }, async (req, reply) => {
    const { patientId } = patientAccess(req);
    const keep = req.body?.keepPreviousForHours ?? 0;
    const secret = newUploadSecret();
    const sha1 = sha1Hex(secret);
    const lookup = await svc.uploaderKeys.secretLookup(sha1);
    const now = new Date();
    await db.transaction().execute(async (tx) => {
      const current = await tx.selectFrom('glucose.upload_credentials').select('secret_lookup').where('patient_id', '=', patientId).forUpdate().executeTakeFirst();
      const previous = keep > 0 && current?.secret_lookup ? { previous_lookup: current.secret_lookup, previous_valid_until: new Date(now.getTime() + keep * 3_600_000) }
        : { previous_lookup: null, previous_valid_until: null };
      await tx.insertInto('glucose.upload_credentials').values({ patient_id: patientId, secret_lookup: lookup, rotated_at: now, ...previous })
        .onConflict((oc) => oc.column('patient_id').doUpdateSet({ secret_lookup: lookup, rotated_at: now, ...previous })).execute();
      await recordAudit(tx, actorOf(req), {
        action: current?.secret_lookup ? 'glucose.upload_secret.rotated' : 'glucose.upload_secret.created', entity: 'glucose.upload_credentials', entityId: patientId,
        diff: { keepPreviousForHours: keep },
      });
    });
    svc.uploaderKeys.forget();
    return reply.code(201).send({ secret, sha1, baseUrl, createdAt: now.toISOString() });
  });

  app.delete('/patients/:patientId/upload-credentials', {
    schema: { tags, summary: 'Revoke the uploader secret and access token (patient, admin)', params: Params, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: owner,
  }, async (req, reply) => {
    const { patientId } = patientAccess(req);
    await db.transaction().execute(async (tx) => {
      const removed = await tx.deleteFrom('glucose.upload_credentials').where('patient_id', '=', patientId).returning('patient_id').executeTakeFirst();
      if (!removed) throw notFound('no_upload_credentials', 'This patient has no uploader secret.');
      await recordAudit(tx, actorOf(req), { action: 'glucose.upload_secret.revoked', entity: 'glucose.upload_credentials', entityId: patientId });
    });
    svc.uploaderKeys.forget();
    return reply.code(204).send(null);
  });

  app.post('/patients/:patientId/upload-credentials/access-token', {
    schema: {
      tags, summary: 'Create or rotate the Nightscout API v3 access token (AndroidAPS); shown once (patient, admin)',
      params: Params, body: Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()]),
      response: { 201: Type.Object({ accessToken: Type.String(), baseUrl: Type.String(), createdAt: Iso }), ...problemResponses(401, 403, 404) },
    },
    preHandler: owner,
  }, async (req, reply) => {
    const { patientId } = patientAccess(req);
    const token = newAccessToken();
    const lookup = await svc.uploaderKeys.tokenLookup(token);
    const now = new Date();
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('glucose.upload_credentials').values({ patient_id: patientId, access_token_lookup: lookup, access_token_created_at: now })
        .onConflict((oc) => oc.column('patient_id').doUpdateSet({ access_token_lookup: lookup, access_token_created_at: now })).execute();
      await recordAudit(tx, actorOf(req), { action: 'glucose.upload_access_token.created', entity: 'glucose.upload_credentials', entityId: patientId });
    });
    svc.uploaderKeys.forget();
    return reply.code(201).send({ accessToken: token, baseUrl, createdAt: now.toISOString() });
  });

  app.delete('/patients/:patientId/upload-credentials/access-token', {
    schema: { tags, summary: 'Revoke the API v3 access token (patient, admin)', params: Params, response: { 204: Type.Null(), ...problemResponses(401, 403, 404) } },
    preHandler: owner,
  }, async (req, reply) => {
    const { patientId } = patientAccess(req);
    await db.transaction().execute(async (tx) => {
      const updated = await tx.updateTable('glucose.upload_credentials').set({ access_token_lookup: null, access_token_created_at: null })
        .where('patient_id', '=', patientId).where('access_token_lookup', 'is not', null).returning('patient_id').executeTakeFirst();
      if (!updated) throw notFound('no_access_token', 'This patient has no access token.');
      await recordAudit(tx, actorOf(req), { action: 'glucose.upload_access_token.revoked', entity: 'glucose.upload_credentials', entityId: patientId });
    });
    svc.uploaderKeys.forget();
    return reply.code(204).send(null);
  });
}
