import { createHash } from 'node:crypto';
import type { GlucoseServices } from '../services.js';
import type { JobRun } from '../../../platform/jobs/types.js';
import { patientZone } from '../patients/zone.js';
import { renderAgpPdf } from './agp-pdf.js';
import { analyzeRange, DATASET_TABLES, loadDataset, loadPatient, loadReadings } from './data.js';
import { dailyTable, datasetTable, readingsTable, summaryTable, type ExportTable } from './export-tables.js';
import { csvZip } from './csv-export.js';
import { xlsxWorkbook } from './xlsx-export.js';
import type { ReportJobRow } from './requests.js';

export const REPORT_TIMEOUT_SECONDS = 120;
export const REPORT_RETRIES = 2;
export const FILE_DAYS = 7;
export const reportsTopic = (userId: string) => `glucose.reports:${userId}`;

class ReportFailure extends Error {
  constructor(readonly code: 'render_failed' | 'timeout' | 'no_data', message: string) { super(message); }
}

interface Rendered { content: Buffer; fileName: string; contentType: string }

const SHEETS: Record<string, string> = { meals: 'Meals', insulin: 'Insulin', medications: 'Medications', activity: 'Activity', alerts: 'Alerts' };
const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Loads, computes and renders one job's file; progress goes to the row as it advances (polled by clients). */
export async function renderReport(svc: GlucoseServices, job: ReportJobRow, progress: (pct: number) => Promise<void>, nowMs = Date.now()): Promise<Rendered> {
  const db = svc.ctx.db;
  const from = job.range_from.getTime(); const to = job.range_to.getTime();
  const [zone, patient, readings] = await Promise.all([patientZone(db, job.patient_id), loadPatient(db, job.patient_id), loadReadings(db, job.patient_id, from, to)]);
  await progress(20);
  if (readings.length === 0) throw new ReportFailure('no_data', 'The range has no reading.');
  const analysis = analyzeRange(readings, from, to, zone);
  await progress(35);
  const base = `glucose-${job.kind}-${stamp(from)}-${stamp(to - 1)}`;
  if (job.kind === 'agp') {
    const content = await renderAgpPdf({
      patient, from, to, zone, unit: job.unit, paper: job.paper, generatedAt: nowMs, lowTarget: 70, highTarget: 180,
      metrics: analysis.metrics, basis: analysis.basis, agp: analysis.agp ?? [], readings: analysis.input,
    }, { onProgress: (pct) => void progress(pct) });
    return { content, fileName: `${base}.pdf`, contentType: 'application/pdf' };
  }
  const tables: ExportTable[] = [];
  for (const name of job.include) {
    if (name === 'readings') tables.push(readingsTable(readings, zone, job.unit));
    else if (name === 'metrics') {
      tables.push(summaryTable(analysis.metrics, analysis.basis, job.unit));
      tables.push(dailyTable(analysis.input, analysis.basis, from, to, zone, job.unit));
    } else if (name in DATASET_TABLES) {
      const key = name as keyof typeof DATASET_TABLES;
      tables.push(datasetTable(name, SHEETS[key], await loadDataset(db, key, job.patient_id, from, to)));
    }
  }
  await progress(70);
  if (job.format === 'csv') return { content: csvZip(tables), fileName: `${base}.zip`, contentType: 'application/zip' };
  const content = await xlsxWorkbook(tables, `Glucose export — ${patient.name}`);
  return { content, fileName: `${base}.xlsx`, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' };
}

async function publish(svc: GlucoseServices, job: ReportJobRow, type: 'report.ready' | 'report.failed', status: string) {
  try {
    await svc.ctx.realtime.publish(reportsTopic(job.requested_by), type, { jobId: job.id, patientId: job.patient_id, kind: job.kind, format: job.format, status });
  } catch (err) { svc.ctx.log.warn({ err, jobId: job.id }, 'glucose: report event not published'); }
}

async function fail(svc: GlucoseServices, job: ReportJobRow, code: 'render_failed' | 'timeout' | 'no_data', message: string) {
  await svc.ctx.db.updateTable('glucose.report_jobs')
    .set({ status: 'failed', error_code: code, error_message: message.slice(0, 1000), completed_at: new Date() })
    .where('id', '=', job.id).where('status', 'in', ['queued', 'running']).execute();
  await publish(svc, job, 'report.failed', 'failed');
}

/**
 * The glucose.reports.generate handler: queued → running → ready | failed. A render error is retried (2 retries);
 * the last attempt marks the job failed. `no_data` is final at once. A re-delivered job that is already ready
 * does nothing.
 */
export async function generateReport(svc: GlucoseServices, run: Pick<JobRun<{ jobId: string }>, 'data' | 'attempt' | 'signal'>, nowMs?: number) {
  const db = svc.ctx.db;
  const job = await db.updateTable('glucose.report_jobs')
    .set((eb) => ({ status: 'running', progress: 5, started_at: new Date(), attempts: eb('attempts', '+', 1) }))
    .where('id', '=', run.data.jobId).where('status', 'in', ['queued', 'running'])
    .returningAll().executeTakeFirst();
  if (!job) return { skipped: 1 };
  const progress = async (pct: number) => {
    await db.updateTable('glucose.report_jobs').set({ progress: pct }).where('id', '=', job.id).where('status', '=', 'running').where('progress', '<', pct).execute();
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const rendered = await Promise.race([
      renderReport(svc, job, progress, nowMs),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new ReportFailure('timeout', `Rendering took more than ${REPORT_TIMEOUT_SECONDS} s.`)), REPORT_TIMEOUT_SECONDS * 1000); }),
      new Promise<never>((_, reject) => run.signal.addEventListener('abort', () => reject(new ReportFailure('timeout', 'The job was stopped.')), { once: true })),
    ]);
    const completed = new Date(nowMs ?? Date.now());
    const sha256 = createHash('sha256').update(rendered.content).digest('hex');
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('glucose.report_files').values({ job_id: job.id, content: rendered.content })
        .onConflict((oc) => oc.column('job_id').doUpdateSet({ content: rendered.content })).execute();
      await tx.updateTable('glucose.report_jobs').set({
        status: 'ready', progress: 100, file_key: `db:glucose.report_files/${job.id}`, file_name: rendered.fileName, content_type: rendered.contentType,
        file_bytes: rendered.content.length, sha256, completed_at: completed, expires_at: new Date(completed.getTime() + FILE_DAYS * 86_400_000),
        error_code: null, error_message: null,
      }).where('id', '=', job.id).execute();
    });
    await publish(svc, job, 'report.ready', 'ready');
    return { bytes: rendered.content.length };
  } catch (err) {
    const failure = err instanceof ReportFailure ? err : new ReportFailure('render_failed', err instanceof Error ? err.message : String(err));
    if (failure.code === 'no_data' || run.attempt > REPORT_RETRIES) {
      await fail(svc, job, failure.code, failure.message);
      return { failed: 1 };
    }
    await db.updateTable('glucose.report_jobs').set({ status: 'queued', error_message: failure.message.slice(0, 1000) }).where('id', '=', job.id).execute();
    throw Object.assign(new Error(failure.message), { code: failure.code });
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * glucose.reports.cleanup (hourly): files of reports completed more than 7 days ago are deleted and the job
 * becomes `expired`; a job left `running` for 10 minutes (its worker died) is failed with `timeout`.
 */
export async function cleanupReports(svc: GlucoseServices, nowMs = Date.now()) {
  const db = svc.ctx.db;
  return db.transaction().execute(async (tx) => {
    const expired = await tx.updateTable('glucose.report_jobs').set({ status: 'expired' })
      .where('status', '=', 'ready').where('expires_at', '<=', new Date(nowMs)).returning('id').execute();
    if (expired.length) await tx.deleteFrom('glucose.report_files').where('job_id', 'in', expired.map((e) => e.id)).execute();
    const stuck = await tx.updateTable('glucose.report_jobs')
      .set({ status: 'failed', error_code: 'timeout', error_message: 'The worker stopped while rendering.', completed_at: new Date(nowMs) })
      .where('status', '=', 'running').where('started_at', '<', new Date(nowMs - 10 * 60_000)).returning('id').execute();
    return { expired: expired.length, timedOut: stuck.length };
  });
}

export function defineReportJobs(svc: GlucoseServices) {
  svc.ctx.jobs.define<{ jobId: string }>({
    queue: 'glucose.reports.generate',
    retryLimit: REPORT_RETRIES,
    retryDelay: 5,
    expireInSeconds: REPORT_TIMEOUT_SECONDS + 30,
    batchSize: 2,
    handler: async (run) => generateReport(svc, run),
  });
  svc.ctx.jobs.define({
    queue: 'glucose.reports.cleanup',
    policy: 'singleton',
    retryLimit: 3,
    retryDelay: 10,
    handler: async () => cleanupReports(svc),
    schedules: [{ cron: '0 * * * *', timezone: 'UTC', description: 'Expire report files older than 7 days; fail reports whose worker died' }],
  });
}
