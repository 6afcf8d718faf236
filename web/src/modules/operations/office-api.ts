/** Shapes of the operations office API the pages use, query keys and small helpers (spec operations §4.1–4.5). */
import { accessToken } from '../../api/session';
import type { MessageKey } from '../../platform/i18n';

export const OPS = '/api/v1/operations';
export type QuoteStatus = 'draft' | 'issued' | 'accepted' | 'rejected' | 'paid' | 'cancelled';
export const QUOTE_STATUSES: QuoteStatus[] = ['draft', 'issued', 'accepted', 'rejected', 'paid', 'cancelled'];
export const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'];

export interface Page<T> { items: T[]; nextCursor: string | null }
export interface Organization { id: string; name: string; legalName: string | null; code: string; defaultCurrency: string; locale: string; timezone: string; version: number }
export interface Member { userId: string; displayName: string; email: string }
export interface Client { id: string; organizationId: string; name: string; contactFirstName: string | null; contactLastName: string | null; email: string | null; phone: string | null; team: string | null; notes: string | null; archivedAt: string | null; version: number }
export interface Project { id: string; organizationId: string; number: string; name: string; clientId: string | null; clientName: string | null; team: string | null; type: string | null; description: string | null; status: 'planned' | 'active' | 'on_hold' | 'done' | 'cancelled'; version: number }
export interface Line { id?: string; position?: number; description: string; quantity: string; unitPrice: string; total?: string }
export interface Attachment { id: string; fileName: string; mimeType: string; sizeBytes: number; sha256: string; createdAt: string }
export interface Quote {
  id: string; organizationId: string; projectId: string | null; projectName: string | null; clientId: string; clientName: string; number: string | null;
  title: string; amount: string; currency: string; responsibleUserId: string; responsibleName: string; startDate: string | null; dueDate: string | null;
  status: QuoteStatus; templateVersionId: string | null; issuedAt: string | null; acceptedAt: string | null; paidAt: string | null; cancelledAt: string | null;
  cancelReason: string | null; notes: string | null; createdAt: string; updatedAt: string; version: number;
  /** list only: latest delivery state per notification kind */
  notifications?: { kind: 'period_started' | 'deadline_reached'; eventDate: string; status: 'queued' | 'delivered' | 'failed' | 'skipped' }[];
}
export interface QuoteDetail extends Quote { lines: Line[]; attachments: Attachment[] }
export interface TemplateBody {
  locale: string; numberPattern: string; defaultCurrency: string; defaultPaymentTermDays: number;
  pdf: { paper: 'A4' | 'LETTER'; primaryColor: string; logoAttachmentId: string | null; headerHtml: string; introHtml: string; termsHtml: string; footerHtml: string; showLines: boolean; showProject: boolean };
  notification: { startTitle: string; deadlineTitle: string; emailSubjectStart: string; emailSubjectDeadline: string };
}
export interface Template { id: string; organizationId: string; name: string; isDefault: boolean; currentVersionId: string | null; currentVersion: number; body: TemplateBody; archivedAt: string | null; version: number }
export interface TemplateVersion { id: string; version: number; body: TemplateBody; createdAt: string }

export const officeKeys = {
  organizations: ['operations', 'organizations'] as const,
  members: (org: string) => ['operations', 'members', org] as const,
  quotes: (filters: unknown) => ['operations', 'quotes', filters] as const,
  quote: (id: string) => ['operations', 'quote', id] as const,
  clients: (filters: unknown) => ['operations', 'clients', filters] as const,
  projects: (filters: unknown) => ['operations', 'projects', filters] as const,
  project: (id: string) => ['operations', 'project', id] as const,
  templates: (org: string) => ['operations', 'templates', org] as const,
  versions: (id: string) => ['operations', 'template-versions', id] as const,
};

export const STATUS_TONE: Record<QuoteStatus, 'neutral' | 'info' | 'primary' | 'danger' | 'success' | 'warning'> = {
  draft: 'neutral', issued: 'info', accepted: 'primary', rejected: 'danger', paid: 'success', cancelled: 'warning',
};
export const statusKey = (s: QuoteStatus) => `operations.status.${s}` as MessageKey;

export function money(amount: string | number, currency: string, locale: string): string {
  try { return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(Number(amount)); } catch { return `${amount} ${currency}`; }
}

/** Σ round(quantity × unitPrice, 2), in cents to avoid floating-point drift (the server recomputes it exactly). */
export function linesTotal(lines: Line[]): string {
  let cents = 0;
  for (const l of lines) {
    const q = Number(l.quantity); const p = Number(l.unitPrice);
    if (Number.isFinite(q) && Number.isFinite(p)) cents += Math.round(q * p * 100 + Number.EPSILON);
  }
  return (cents / 100).toFixed(2);
}

export const isOverdue = (q: Pick<Quote, 'dueDate' | 'status'>, today: string) =>
  !!q.dueDate && q.dueDate < today && ['issued', 'accepted'].includes(q.status);

export const todayIso = () => new Date().toLocaleDateString('en-CA');

/** Fetches a file with the session's token (PDF, exports, attachments) as a blob. */
export async function fetchFile(path: string, init: RequestInit = {}): Promise<Blob> {
  const token = await accessToken();
  const res = await fetch(path, { ...init, headers: { ...(init.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(body.detail ?? `HTTP ${res.status}`);
  }
  return res.blob();
}

export async function downloadFile(path: string, fileName: string) {
  const url = URL.createObjectURL(await fetchFile(path));
  const link = document.createElement('a');
  link.href = url; link.download = fileName; link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A calendar date ('YYYY-MM-DD') in the user's language, without shifting it through a time zone. */
export const fmtDay = (iso: string | null | undefined, locale: string) =>
  iso ? new Intl.DateTimeFormat(locale, { timeZone: 'UTC', day: '2-digit', month: 'short', year: 'numeric' }).format(new Date(`${iso}T00:00:00Z`)) : '—';
