import type { FieldError } from '../../../../platform/http/errors.js';
import { numberPatternProblem } from '../numbering.js';

/** Template body (spec §3.1). Placeholders are `{{path}}` from a closed whitelist; no logic, no loops, no helpers. */
export interface TemplateBody {
  locale: string;
  numberPattern: string;
  defaultCurrency: string;
  defaultPaymentTermDays: number;
  pdf: {
    paper: 'A4' | 'LETTER'; primaryColor: string; logoAttachmentId: string | null;
    headerHtml: string; introHtml: string; termsHtml: string; footerHtml: string; showLines: boolean; showProject: boolean;
  };
  notification: { startTitle: string; deadlineTitle: string; emailSubjectStart: string; emailSubjectDeadline: string };
}

export const PLACEHOLDERS = [
  'org.name', 'org.legalName', 'org.code', 'org.address', 'org.vatNumber',
  'quote.number', 'quote.title', 'quote.amount', 'quote.currency', 'quote.startDate', 'quote.dueDate', 'quote.status', 'quote.periodDays',
  'client.name', 'client.email', 'responsible.name', 'responsible.email', 'project.number', 'project.name', 'today',
] as const;
const KNOWN = new Set<string>(PLACEHOLDERS);
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

const ALLOWED_TAGS = new Set(['p', 'br', 'strong', 'em', 'ul', 'ol', 'li', 'table', 'tr', 'td', 'th', 'span', 'img']);
const TAG = /<\/?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const IMG_ATTRS = new RegExp(`^\\s*src\\s*=\\s*"attachment:${UUID}"\\s*/?\\s*$`, 'i');

export const DEFAULT_TEMPLATE_BODY: TemplateBody = {
  locale: 'fr-FR',
  numberPattern: 'D-{YYYY}-{SEQ:4}',
  defaultCurrency: 'EUR',
  defaultPaymentTermDays: 30,
  pdf: {
    paper: 'A4', primaryColor: '#1F4E79', logoAttachmentId: null,
    headerHtml: '<p><strong>{{org.legalName}}</strong></p><p>{{org.address}}</p>',
    introHtml: '<p>Devis {{quote.number}} pour {{client.name}} : {{quote.title}}</p>',
    termsHtml: '<p>Paiement du {{quote.startDate}} au {{quote.dueDate}} ({{quote.periodDays}} jours).</p>',
    footerHtml: '<p>{{org.name}} — TVA {{org.vatNumber}}</p>',
    showLines: true, showProject: true,
  },
  notification: {
    startTitle: 'Début de période de paiement — {{quote.number}}',
    deadlineTitle: 'Échéance atteinte — vérifier la réception du paiement',
    emailSubjectStart: 'Début de période de paiement — {{quote.number}}',
    emailSubjectDeadline: 'Échéance atteinte — {{quote.number}}',
  },
};

/** Checks placeholders (422 unknown_placeholder), the number pattern and the HTML allowlist; returns the problems by code. */
export function templateBodyProblems(body: TemplateBody): { code: string; errors: FieldError[] } | null {
  const unknown: FieldError[] = [];
  const unsafe: FieldError[] = [];
  const texts: [string, string][] = [
    ...Object.entries(body.pdf).filter(([k]) => k.endsWith('Html')).map(([k, v]) => [`body.pdf.${k}`, String(v)] as [string, string]),
    ...Object.entries(body.notification).map(([k, v]) => [`body.notification.${k}`, String(v)] as [string, string]),
  ];
  for (const [path, text] of texts) {
    for (const m of text.matchAll(PLACEHOLDER)) if (!KNOWN.has(m[1]!)) unknown.push({ path, message: `unknown placeholder {{${m[1]}}}` });
    if (!path.endsWith('Html')) continue;
    for (const m of text.matchAll(TAG)) {
      const tag = m[1]!.toLowerCase();
      const attrs = m[2]!.replace(/\/\s*$/, '').trim();
      if (!ALLOWED_TAGS.has(tag)) unsafe.push({ path, message: `tag <${tag}> is not allowed` });
      else if (tag === 'img' && !m[0].startsWith('</') && !IMG_ATTRS.test(attrs)) unsafe.push({ path, message: 'img takes only src="attachment:<id>"' });
      else if (tag !== 'img' && attrs !== '') unsafe.push({ path, message: `attributes on <${tag}> are not allowed` });
    }
    if (/<(?![a-zA-Z/])|javascript:/i.test(text)) unsafe.push({ path, message: 'contains markup that is not allowed' });
  }
  if (unknown.length) return { code: 'unknown_placeholder', errors: unknown };
  const pattern = numberPatternProblem(body.numberPattern);
  if (pattern) return { code: 'invalid_number_pattern', errors: [{ path: 'body.numberPattern', message: pattern }] };
  if (unsafe.length) return { code: 'unsafe_html', errors: unsafe };
  return null;
}

export type PlaceholderValues = Partial<Record<(typeof PLACEHOLDERS)[number], string>>;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Fills placeholders (HTML-escaped when `html`); unknown ones cannot occur in a stored body. */
export function fillPlaceholders(text: string, values: PlaceholderValues, html = true): string {
  return text.replace(PLACEHOLDER, (_all, path: string) => {
    const v = values[path as keyof PlaceholderValues] ?? '';
    return html ? escapeHtml(v) : v;
  });
}
