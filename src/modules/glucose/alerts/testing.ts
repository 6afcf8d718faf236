import { sql } from 'kysely';
import type { TestApp, TestUser } from '../../../../test/helpers/app.js';
import { waitFor } from '../../../platform/jobs/testing.js';
import { minutesAgo } from '../testing.js';

/** One CGM reading through the bulk API (alerts are evaluated on the newest live reading of a request). */
export async function cgm(t: TestApp, patient: TestUser, value: number, agoMin: number) {
  const res = await t.api('POST', '/api/v1/glucose/patients/me/readings/bulk', { token: patient.token, body: { source: 'cgm', readings: [{ measuredAt: minutesAgo(agoMin), value }] } });
  if (res.status !== 200 || res.body.inserted !== 1) throw new Error(`cgm reading not stored: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function openAlerts(t: TestApp, patientId: string) {
  return t.db.db.selectFrom('glucose.alerts').selectAll().where('patient_id', '=', patientId).where('status', '<>', 'resolved').orderBy('triggered_at').execute();
}

export async function alertDetail(t: TestApp, user: TestUser, patientId: string, alertId: string) {
  const res = await t.api('GET', `/api/v1/glucose/patients/${patientId}/alerts/${alertId}`, { token: user.token });
  if (res.status !== 200) throw new Error(`alert detail: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The delayed jobs of a queue for an alert (pg-boss stores them until they run). */
export async function delayedJobs(t: TestApp, queue: string, alertId: string) {
  const { rows } = await sql<{ id: string; state: string; start_after: Date; singleton_key: string | null; data: Record<string, unknown> }>`
    select id, state, start_after, singleton_key, data from pgboss.job where name = ${queue} and data->>'alertId' = ${alertId} order by created_on`.execute(t.db.db);
  return rows;
}

/** Makes waiting delayed jobs of a queue due now (the test does not wait out minutes), then waits until they ran. */
export async function runDelayedNow(t: TestApp, queue: string, alertId: string) {
  const { rows } = await sql<{ id: string }>`
    update pgboss.job set start_after = now() where name = ${queue} and data->>'alertId' = ${alertId} and state in ('created', 'retry') returning id`.execute(t.db.db);
  if (rows.length === 0) throw new Error(`no waiting ${queue} job for alert ${alertId}`);
  await waitFor(`${queue} to run`, async () => {
    const { rows: left } = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where id = any(${rows.map((r) => r.id)}::uuid[]) and state in ('created', 'retry', 'active')`.execute(t.db.db);
    return left[0].n === 0;
  }, 20_000);
}

export async function outbox(t: TestApp, dedupKey: string) {
  return t.db.db.selectFrom('platform.notification_outbox').select(['user_id', 'address', 'channel', 'critical', 'status', 'deliver_after', 'dedup_key'])
    .where('dedup_key', '=', dedupKey).execute();
}
