import { sql } from 'kysely';
import type { ModuleContext } from '../../../platform/types.js';
import type { ScoringEngine } from '../engine/engine.js';

type ReviewData = { kind: 'supplier' | 'assessment'; id: string; name: string; dueOn: string };

/**
 * `sourcing.review-due` (spec §6, §8): suppliers whose next review is within 30 days, and approved assessments whose
 * review date has come, are announced to the managers. The dedup key `src:review:{id}:{date}` fires each once per
 * review date, however often the job runs.
 */
export async function announceReviewsDue(ctx: Pick<ModuleContext, 'db' | 'notify'>, today = new Date().toISOString().slice(0, 10)) {
  const { rows: suppliers } = await sql<{ id: string; name: string; due: string }>`
    select id, name, next_review_on::text as due from sourcing.suppliers
     where archived_at is null and next_review_on is not null and next_review_on <= ${today}::date + 30`.execute(ctx.db);
  const { rows: assessments } = await sql<{ id: string; name: string; due: string }>`
    select id, title as name, next_review_on::text as due from sourcing.assessments
     where status = 'approved' and next_review_on is not null and next_review_on <= ${today}::date`.execute(ctx.db);
  let messages = 0;
  const items: ReviewData[] = [
    ...suppliers.map((r) => ({ kind: 'supplier' as const, id: r.id, name: r.name, dueOn: r.due })),
    ...assessments.map((r) => ({ kind: 'assessment' as const, id: r.id, name: r.name, dueOn: r.due })),
  ];
  for (const d of items) {
    const queued = await ctx.notify.send({ to: { role: 'manager' }, template: 'sourcing.review_due', data: { ...d }, dedupKey: `src:review:${d.id}:${d.dueOn}` });
    messages += queued.filter((q) => q.created).length;
  }
  return { suppliers: suppliers.length, assessments: assessments.length, messages };
}

export function defineReviewJobs(ctx: ModuleContext, engine: ScoringEngine) {
  ctx.notify.defineCategory({ name: 'sourcing.reviews', description: 'Supplier and assessment reviews coming due', defaultChannels: ['inapp', 'email'] });
  ctx.notify.defineTemplate<ReviewData>({
    name: 'sourcing.review_due', category: 'sourcing.reviews',
    en: (d) => ({
      title: d.kind === 'supplier' ? `Supplier review due ${d.dueOn}: ${d.name}` : `Assessment review due: ${d.name}`,
      body: d.kind === 'supplier' ? `${d.name} is to be reviewed by ${d.dueOn}: check its certificates, audits and delivery KPIs.` : `The approved assessment "${d.name}" reached its review date (${d.dueOn}): run a new one with current offers.`,
      link: d.kind === 'supplier' ? `/sourcing/suppliers/${d.id}` : `/sourcing/assessments/${d.id}`,
    }),
    fr: (d) => ({
      title: d.kind === 'supplier' ? `Revue fournisseur le ${d.dueOn} : ${d.name}` : `Revue d'évaluation due : ${d.name}`,
      body: d.kind === 'supplier' ? `${d.name} doit être revu d'ici le ${d.dueOn} : vérifiez ses certificats, audits et indicateurs de livraison.` : `L'évaluation approuvée « ${d.name} » a atteint sa date de revue (${d.dueOn}) : lancez-en une nouvelle avec les offres actuelles.`,
      link: d.kind === 'supplier' ? `/sourcing/suppliers/${d.id}` : `/sourcing/assessments/${d.id}`,
    }),
  });
  ctx.jobs.define({
    queue: 'sourcing.review-due',
    policy: 'singleton',
    retryLimit: 3,
    retryDelay: 60,
    handler: async () => announceReviewsDue(ctx),
    schedules: [{ cron: '0 7 * * *', timezone: 'UTC', catchUp: 'run_once', description: 'Supplier reviews within 30 days and approved assessments at their review date: notify managers' }],
  });
  // Only with a remote scoring service: its health every minute (one attempt, no retry); the result is on GET /scoring/status.
  if (engine.remote) {
    ctx.jobs.define({
      queue: 'sourcing.scoring-probe',
      policy: 'singleton',
      retryLimit: 0,
      handler: async () => engine.probe(),
      schedules: [{ cron: '* * * * *', timezone: 'UTC', catchUp: 'none', description: 'GET /health of the remote scoring service' }],
    });
  }
}
