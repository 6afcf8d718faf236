import type { ModuleContext } from '../../../platform/types.js';
import type { RenderedMessage } from '../../../platform/notify/types.js';
import type { NotificationKind } from './catch-up.js';

/** What a quote notification message shows (spec §8); computed at detection, frozen in the outbox row. */
export interface QuoteMessageData {
  kind: NotificationKind;
  quoteId: string;
  number: string;
  title: string;
  clientName: string;
  amount: string;
  currency: string;
  responsible: string;
  startDate: string | null;
  dueDate: string | null;
  periodDays: number | null;
  lateByDays: number;
  link: string;
  dedupKey: string;
  /** Template overrides from the quote's template version (`notification.startTitle` …), already rendered. */
  customTitle?: string | null;
}

export const GREEN = 0x2e7d32;
export const RED = 0xc62828;

const labels = {
  en: {
    startTitle: (n: string) => `Payment period starts — ${n}`, deadlineTitle: () => 'Deadline reached — check that the payment was received',
    client: 'Client', amount: 'Amount', responsible: 'Responsible', start: 'Start', due: 'Due', period: 'Period',
    days: (d: number) => `${d} days`, late: (d: number) => `notified ${d} day${d === 1 ? '' : 's'} late`, quote: 'Quote',
  },
  fr: {
    startTitle: (n: string) => `Début de période de paiement — ${n}`, deadlineTitle: () => 'Échéance atteinte — vérifier la réception du paiement',
    client: 'Client', amount: 'Montant', responsible: 'Responsable', start: 'Début', due: 'Échéance', period: 'Période',
    days: (d: number) => `${d} jours`, late: (d: number) => `notifié avec ${d} jour${d === 1 ? '' : 's'} de retard`, quote: 'Devis',
  },
};

function render(locale: 'en' | 'fr', d: QuoteMessageData): RenderedMessage {
  const l = labels[locale];
  const title = d.customTitle || (d.kind === 'period_started' ? l.startTitle(d.number) : `${l.deadlineTitle()} — ${d.number}`);
  const fields = [
    { name: l.client, value: d.clientName || '—' },
    { name: l.amount, value: `${d.amount} ${d.currency}` },
    { name: l.responsible, value: d.responsible || '—' },
    { name: l.start, value: d.startDate ?? '—' },
    { name: l.due, value: d.dueDate ?? '—' },
    ...(d.periodDays !== null ? [{ name: l.period, value: l.days(d.periodDays) }] : []),
    ...(d.lateByDays > 0 ? [{ name: '⏰', value: l.late(d.lateByDays), inline: false }] : []),
  ];
  const body = [`${l.quote} ${d.number} — ${d.title}`, ...fields.map((f) => `${f.name}: ${f.value}`)].join('\n');
  return {
    title: title.length > 256 ? `${title.slice(0, 255)}…` : title,
    body: `${body}\n\n${d.dedupKey}`,
    link: d.link,
    embed: { color: d.kind === 'period_started' ? GREEN : RED, fields, footer: d.dedupKey },
  };
}

/** A test message from the settings page, to prove each channel reaches its destination. */
interface TestData { organization: string; sentBy: string }

export function defineMessages(ctx: ModuleContext) {
  ctx.notify.defineCategory({ name: 'operations', description: 'Quotes: payment periods and deadlines', defaultChannels: ['inapp', 'email'] });
  ctx.notify.defineTemplate<QuoteMessageData>({
    name: 'operations.quote_notification', category: 'operations',
    en: (d) => render('en', d), fr: (d) => render('fr', d),
  });
  ctx.notify.defineTemplate<TestData>({
    name: 'operations.notification_test', category: 'operations',
    en: (d) => ({ title: `Atrium test message — ${d.organization}`, body: `Notifications of ${d.organization} reach this channel (sent by ${d.sentBy}).`, embed: { color: GREEN } }),
    fr: (d) => ({ title: `Message de test Atrium — ${d.organization}`, body: `Les notifications de ${d.organization} arrivent sur ce canal (envoyé par ${d.sentBy}).`, embed: { color: GREEN } }),
  });
}
