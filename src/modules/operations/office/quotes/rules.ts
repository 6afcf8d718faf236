import type { QuoteStatus } from '../tables.js';

/** Quote state machine (spec §3.6). Anything not listed → 409 invalid_transition. */
export const TRANSITIONS: Record<QuoteStatus, QuoteStatus[]> = {
  draft: ['issued', 'cancelled'],
  issued: ['accepted', 'rejected', 'cancelled'],
  accepted: ['paid', 'cancelled'],
  rejected: [],
  paid: [],
  cancelled: [],
};

export const canTransition = (from: QuoteStatus, to: QuoteStatus) => TRANSITIONS[from].includes(to);

/** Fields each status lets a PATCH change: issued/accepted freeze amount, currency, lines and client (spec §3.6). */
const DRAFT_FIELDS = ['clientId', 'projectId', 'title', 'number', 'amount', 'currency', 'responsibleUserId', 'startDate', 'dueDate', 'lines', 'notes', 'templateId'];
const OPEN_FIELDS = ['projectId', 'title', 'responsibleUserId', 'startDate', 'dueDate', 'notes'];
const CLOSED_FIELDS = ['notes'];

export function frozenFields(status: QuoteStatus, changed: string[]): string[] {
  const allowed = status === 'draft' ? DRAFT_FIELDS : status === 'issued' || status === 'accepted' ? OPEN_FIELDS : CLOSED_FIELDS;
  return changed.filter((f) => !allowed.includes(f));
}

/** The calendar date of `at` in an IANA time zone, 'YYYY-MM-DD'. */
export const dateInZone = (at: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

export function isValidTimeZone(tz: string): boolean {
  try { new Intl.DateTimeFormat('en', { timeZone: tz }); return true; } catch { return false; }
}
