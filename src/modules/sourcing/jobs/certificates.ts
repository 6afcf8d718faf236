import { sql } from 'kysely';
import type { ModuleContext } from '../../../platform/types.js';

interface CertData { supplierName: string; code: string; validUntil: string; daysLeft: number; supplierId: string }

const THRESHOLDS = [7, 30, 60];
/** The alert step a certificate is in: 'expired', or the smallest of 7/30/60 days at or above the days left. */
export function thresholdOf(daysLeft: number): string | null {
  if (daysLeft < 0) return 'expired';
  const t = THRESHOLDS.find((x) => daysLeft <= x);
  return t === undefined ? null : String(t);
}

/**
 * `sourcing.certificate-expiry` (spec §6, §8): certificates 60, 30 and 7 days before their end, and once expired, are
 * announced to the supplier's creator and the managers. The dedup key `src:cert:{id}:{threshold}` makes each step fire once,
 * however often the job runs.
 */
export async function announceExpiringCertificates(ctx: ModuleContext, today = new Date().toISOString().slice(0, 10)) {
  const { rows } = await sql<{ id: string; code: string; valid_until: string; days_left: number; supplier_id: string; supplier_name: string; created_by: string }>`
    select c.id, c.code, c.valid_until::text, (c.valid_until - ${today}::date) as days_left, s.id as supplier_id, s.name as supplier_name, s.created_by
      from sourcing.supplier_certifications c join sourcing.suppliers s on s.id = c.supplier_id
     where s.status <> 'archived' and c.valid_until between ${today}::date - 30 and ${today}::date + 60`.execute(ctx.db);
  let sent = 0;
  for (const r of rows) {
    const threshold = thresholdOf(r.days_left);
    if (!threshold) continue;
    const data: CertData = { supplierName: r.supplier_name, code: r.code, validUntil: r.valid_until, daysLeft: r.days_left, supplierId: r.supplier_id };
    const queued = await ctx.notify.send({ to: [{ userId: r.created_by }, { role: 'manager' }], template: 'sourcing.certificate_expiry', data: { ...data }, dedupKey: `src:cert:${r.id}:${threshold}` });
    sent += queued.filter((q) => q.created).length;
  }
  return { certificates: rows.length, messages: sent };
}

export function defineCertificateJobs(ctx: ModuleContext) {
  ctx.notify.defineCategory({ name: 'sourcing.certificates', description: 'Supplier certificates expiring or expired', defaultChannels: ['inapp', 'email'] });
  ctx.notify.defineTemplate<CertData>({
    name: 'sourcing.certificate_expiry', category: 'sourcing.certificates',
    en: (d) => ({
      title: d.daysLeft < 0 ? `${d.supplierName}: ${d.code} certificate expired` : `${d.supplierName}: ${d.code} certificate expires in ${d.daysLeft} days`,
      body: `The ${d.code} certificate of ${d.supplierName} is valid until ${d.validUntil}. Ask the supplier for the renewed certificate; an expired certificate earns no points in new assessments.`,
      link: `/sourcing/suppliers/${d.supplierId}`,
    }),
    fr: (d) => ({
      title: d.daysLeft < 0 ? `${d.supplierName} : certificat ${d.code} expiré` : `${d.supplierName} : certificat ${d.code} expire dans ${d.daysLeft} jours`,
      body: `Le certificat ${d.code} de ${d.supplierName} est valable jusqu'au ${d.validUntil}. Demandez le certificat renouvelé au fournisseur ; un certificat expiré ne rapporte aucun point dans les nouvelles évaluations.`,
      link: `/sourcing/suppliers/${d.supplierId}`,
    }),
  });
  ctx.jobs.define({
    queue: 'sourcing.certificate-expiry',
    policy: 'singleton',
    retryLimit: 3,
    retryDelay: 60,
    handler: async () => announceExpiringCertificates(ctx),
    schedules: [{ cron: '0 6 * * *', timezone: 'UTC', catchUp: 'run_once', description: 'Certificates 60, 30, 7 days before expiry and once expired: notify the supplier\'s creator and managers' }],
  });
}
