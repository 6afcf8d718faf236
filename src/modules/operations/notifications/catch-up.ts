/**
 * The catch-up notification rule (spec operations §5.1). The original product compared `date == today`,
 * so a day on which the job did not run lost its notifications forever. Here an event is due as soon as
 * its date is on or before the organisation's `today`, and it is sent once: its dedup key is unique in
 * `operations.quote_notification`, and the outbox messages are written only when that row was inserted.
 */

export type NotificationKind = 'period_started' | 'deadline_reached';
export type NotificationChannel = 'webhook' | 'email';

export interface QuoteDates {
  id: string;
  status: string;
  /** `YYYY-MM-DD` or null. */
  startDate: string | null;
  dueDate: string | null;
}

export interface RuleSettings {
  /** Quote statuses that notify (default issued, accepted). */
  notifyStatuses: readonly string[];
  /** `YYYY-MM-DD`: events dated before it are recorded as `skipped` instead of sent. */
  enabledFrom: string;
  /** Enabled channels, in delivery order. */
  channels: readonly NotificationChannel[];
}

export interface DueEvent {
  kind: NotificationKind;
  eventDate: string;
  dedupKey: string;
  status: 'queued' | 'skipped';
  skipReason: 'before_enable_date' | null;
  /** today − eventDate, in days (0 when sent on the day). */
  lateByDays: number;
  /** One outbox message per enabled channel (none when skipped). */
  messages: { channel: NotificationChannel; dedupKey: string }[];
}

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whole days from `from` to `to` (`YYYY-MM-DD`), independent of any time zone or DST change. */
export function daysBetween(from: string, to: string): number {
  if (!ISO_DATE.test(from) || !ISO_DATE.test(to)) throw new RangeError(`not a date: ${from} / ${to}`);
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The calendar date (`YYYY-MM-DD`) at `instant` in the IANA zone `timeZone`. */
export function localDate(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export const notificationKey = (quoteId: string, kind: NotificationKind, eventDate: string) =>
  `operations:quote:${quoteId}:${kind}:${eventDate}`;

/** A manual resend gets its own key, so it is sent even though the original event was. */
export const resendKey = (quoteId: string, kind: NotificationKind, eventDate: string, n: number) =>
  `${notificationKey(quoteId, kind, eventDate)}:resend:${n}`;

/**
 * The events of one quote that are due on `today` (the organisation's local date), start before deadline.
 * The caller inserts each with `on conflict (dedup_key) do nothing` and writes `messages` only when the
 * insert took place, so running this any number of times sends nothing new.
 */
export function dueEvents(quote: QuoteDates, settings: RuleSettings, today: string): DueEvent[] {
  if (!settings.notifyStatuses.includes(quote.status)) return [];
  const events: DueEvent[] = [];
  const candidates: [NotificationKind, string | null][] = [['period_started', quote.startDate], ['deadline_reached', quote.dueDate]];
  for (const [kind, date] of candidates) {
    if (date === null || date > today) continue;
    const dedupKey = notificationKey(quote.id, kind, date);
    const skipped = date < settings.enabledFrom;
    events.push({
      kind, eventDate: date, dedupKey,
      status: skipped ? 'skipped' : 'queued',
      skipReason: skipped ? 'before_enable_date' : null,
      lateByDays: daysBetween(date, today),
      messages: skipped ? [] : settings.channels.map((channel) => ({ channel, dedupKey: `${dedupKey}:${channel}` })),
    });
  }
  return events;
}
