import type { ModuleContext } from '../../platform/types.js';

const MODULE_ROLES = ['buyer', 'manager', 'admin'];

/**
 * Real-time topics of spec §7 (`<prefix>:<key>` form of the platform): `sourcing.suppliers`, `sourcing.assessment:<id>`,
 * `sourcing.ops` (admins). Payloads carry ids and small status fields only.
 */
export function defineSourcingTopics(ctx: ModuleContext) {
  ctx.realtime.defineTopic({ prefix: 'sourcing.suppliers', description: 'supplier.created/updated/archived, offer.changed', authorize: (u) => u.roles.some((r) => MODULE_ROLES.includes(r)) });
  ctx.realtime.defineTopic({ prefix: 'sourcing.assessment', description: 'sourcing.assessment:<id> — assessment.scored, assessment.status_changed, assessment.stale', authorize: (u) => u.roles.some((r) => MODULE_ROLES.includes(r)) });
  ctx.realtime.defineTopic({ prefix: 'sourcing.ops', description: 'scoring.circuit_changed', authorize: (u) => u.roles.includes('admin') });

  ctx.notify.defineCategory({ name: 'sourcing.assessments', description: 'Assessments submitted for your approval, approved or returned', defaultChannels: ['inapp', 'email'] });
  ctx.notify.defineTemplate<{ title: string; id: string; status: string; comment?: string }>({
    name: 'sourcing.assessment_status', category: 'sourcing.assessments',
    en: (d) => ({
      title: d.status === 'submitted' ? `Assessment to approve: ${d.title}` : d.status === 'approved' ? `Assessment approved: ${d.title}` : `Assessment returned: ${d.title}`,
      body: d.status === 'submitted' ? 'A buyer submitted this assessment for approval.' : d.status === 'approved' ? 'Your assessment was approved and entered the supplier history.' : `Your assessment was returned: ${d.comment ?? ''}`,
      link: `/sourcing/assessments/${d.id}`,
    }),
    fr: (d) => ({
      title: d.status === 'submitted' ? `Évaluation à approuver : ${d.title}` : d.status === 'approved' ? `Évaluation approuvée : ${d.title}` : `Évaluation renvoyée : ${d.title}`,
      body: d.status === 'submitted' ? 'Un acheteur a soumis cette évaluation pour approbation.' : d.status === 'approved' ? 'Votre évaluation a été approuvée et figure dans l\'historique du fournisseur.' : `Votre évaluation a été renvoyée : ${d.comment ?? ''}`,
      link: `/sourcing/assessments/${d.id}`,
    }),
  });
}

/** Publishing never fails the request that caused it: the change is committed already. */
export async function publish(ctx: ModuleContext, topic: string, type: string, data: Record<string, unknown>) {
  try { await ctx.realtime.publish(topic, type, data); } catch (err) { ctx.log.warn({ err, topic, type }, 'sourcing event not published'); }
}
