/**
 * CSV import formats (spec §4.9): the columns of each kind, their types and limits, and the pure per-row checks.
 * Rows refer to suppliers by name and country, to materials by name (the natural keys a buyer has in a spreadsheet).
 */
import { parse } from 'csv-parse/sync';

export const IMPORT_KINDS = ['suppliers', 'sites', 'materials', 'deliveries', 'audits', 'certifications'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

type Type = 'text' | 'number' | 'int' | 'date' | 'bool' | 'country' | 'email' | readonly string[];
export interface Column { name: string; type: Type; required?: boolean; min?: number; max?: number; maxLength?: number; example: string }

const SUPPLIER_REF: Column[] = [
  { name: 'supplierName', type: 'text', required: true, maxLength: 200, example: 'Ferme Laval Grains' },
  { name: 'supplierCountry', type: 'country', required: true, example: 'CA' },
];

export const COLUMNS: Record<ImportKind, Column[]> = {
  suppliers: [
    { name: 'name', type: 'text', required: true, maxLength: 200, example: 'Ferme Laval Grains' },
    { name: 'legalName', type: 'text', maxLength: 200, example: 'Ferme Laval Grains inc.' },
    { name: 'country', type: 'country', required: true, example: 'CA' },
    { name: 'website', type: 'text', maxLength: 500, example: 'https://fermelaval.example' },
    { name: 'contactName', type: 'text', maxLength: 200, example: 'Sales desk' },
    { name: 'contactEmail', type: 'email', example: 'sales@fermelaval.example' },
    { name: 'contactPhone', type: 'text', maxLength: 50, example: '+1 450 555 0100' },
    { name: 'status', type: ['active', 'on_hold', 'blocked'], example: 'active' },
    { name: 'statusReason', type: 'text', maxLength: 2000, example: '' },
    { name: 'riskAllowancePct', type: 'number', min: 0, max: 50, example: '0' },
    { name: 'nextReviewOn', type: 'date', example: '2027-06-30' },
    { name: 'notes', type: 'text', maxLength: 10_000, example: '' },
  ],
  sites: [
    ...SUPPLIER_REF,
    { name: 'name', type: 'text', maxLength: 200, example: 'Laval' },
    { name: 'country', type: 'country', required: true, example: 'CA' },
    { name: 'region', type: 'text', maxLength: 200, example: 'Québec' },
    { name: 'latitude', type: 'number', required: true, min: -90, max: 90, example: '45.6066' },
    { name: 'longitude', type: 'number', required: true, min: -180, max: 180, example: '-73.7124' },
    { name: 'renewableEnergyPct', type: 'number', min: 0, max: 100, example: '30' },
    { name: 'originRisk', type: ['low', 'medium', 'high'], example: 'low' },
    { name: 'isPrimary', type: 'bool', example: 'true' },
  ],
  materials: [
    { name: 'name', type: 'text', required: true, maxLength: 200, example: 'Soybean' },
    { name: 'category', type: 'text', maxLength: 200, example: 'oilseeds' },
    { name: 'unit', type: ['kg', 't', 'l', 'unit'], required: true, example: 'kg' },
    { name: 'massKgPerUnit', type: 'number', min: 0, example: '' },
    { name: 'requiresColdChain', type: 'bool', example: 'false' },
    { name: 'defectHandlingCostPerUnit', type: 'number', min: 0, example: '0' },
    { name: 'description', type: 'text', maxLength: 10_000, example: '' },
  ],
  deliveries: [
    ...SUPPLIER_REF,
    { name: 'materialName', type: 'text', required: true, maxLength: 200, example: 'Soybean' },
    { name: 'poNumber', type: 'text', required: true, maxLength: 100, example: 'PO-2026-0042' },
    { name: 'orderedOn', type: 'date', required: true, example: '2026-03-01' },
    { name: 'promisedOn', type: 'date', required: true, example: '2026-03-18' },
    { name: 'deliveredOn', type: 'date', example: '2026-03-17' },
    { name: 'quantityOrdered', type: 'number', required: true, min: 0, example: '10000' },
    { name: 'quantityDelivered', type: 'number', min: 0, example: '10000' },
    { name: 'quantityAccepted', type: 'number', min: 0, example: '9950' },
    { name: 'unitsInspected', type: 'int', min: 0, example: '500' },
    { name: 'defectiveUnits', type: 'int', min: 0, example: '1' },
  ],
  audits: [
    ...SUPPLIER_REF,
    { name: 'auditedOn', type: 'date', required: true, example: '2026-02-10' },
    { name: 'kind', type: ['second_party', 'third_party', 'internal', 'certification'], example: 'second_party' },
    { name: 'scorePct', type: 'number', required: true, min: 0, max: 100, example: '88' },
    { name: 'criticalFindings', type: 'int', min: 0, example: '0' },
    { name: 'majorFindings', type: 'int', min: 0, example: '1' },
    { name: 'minorFindings', type: 'int', min: 0, example: '3' },
    { name: 'openMajorFindings', type: 'int', min: 0, example: '0' },
    { name: 'auditor', type: 'text', maxLength: 200, example: 'J. Tremblay' },
    { name: 'reportUrl', type: 'text', maxLength: 1000, example: '' },
    { name: 'notes', type: 'text', maxLength: 10_000, example: '' },
  ],
  certifications: [
    ...SUPPLIER_REF,
    { name: 'code', type: 'text', required: true, maxLength: 40, example: 'fssc_22000' },
    { name: 'certificateNumber', type: 'text', maxLength: 200, example: 'C-12345' },
    { name: 'issuer', type: 'text', maxLength: 200, example: 'Certification body' },
    { name: 'validFrom', type: 'date', required: true, example: '2026-01-25' },
    { name: 'validUntil', type: 'date', required: true, example: '2027-12-26' },
    { name: 'grade', type: 'text', maxLength: 20, example: '' },
    { name: 'evidenceUrl', type: 'text', maxLength: 1000, example: '' },
  ],
};

export interface RowError { row: number; column: string | null; code: string; message: string }
export type Row = Record<string, string | number | boolean | null>;

/** The template of a kind: the header and one example line. */
export function template(kind: ImportKind): string {
  const cols = COLUMNS[kind];
  const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return `${cols.map((c) => c.name).join(',')}\n${cols.map((c) => cell(c.example)).join(',')}\n`;
}

const isDate = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);

/** One cell: '' is absent; otherwise the typed value, or the reason it is not one. */
function cell(c: Column, raw: string): { value: string | number | boolean | null } | { error: string; code: string } {
  const v = raw.trim();
  if (v === '') return c.required ? { code: 'required', error: 'is required' } : { value: null };
  if (Array.isArray(c.type)) return c.type.includes(v) ? { value: v } : { code: 'invalid_value', error: `must be one of ${c.type.join(', ')}` };
  switch (c.type) {
    case 'text': return c.maxLength && v.length > c.maxLength ? { code: 'too_long', error: `at most ${c.maxLength} characters` } : { value: v };
    case 'email': return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? { value: v } : { code: 'invalid_email', error: 'is not an email address' };
    case 'country': return /^[A-Z]{2}$/.test(v) ? { value: v } : { code: 'invalid_country', error: 'must be an ISO 3166-1 alpha-2 code (two capital letters)' };
    case 'date': return isDate(v) ? { value: v } : { code: 'invalid_date', error: 'must be a date YYYY-MM-DD' };
    case 'bool': return /^(true|yes|1)$/i.test(v) ? { value: true } : /^(false|no|0)$/i.test(v) ? { value: false } : { code: 'invalid_boolean', error: 'must be true or false' };
    case 'number': case 'int': {
      const n = Number(v);
      if (!Number.isFinite(n)) return { code: 'invalid_number', error: 'must be a number (use a dot for decimals)' };
      if (c.type === 'int' && !Number.isInteger(n)) return { code: 'invalid_number', error: 'must be a whole number' };
      if (c.min !== undefined && n < c.min) return { code: 'out_of_range', error: `must be ≥ ${c.min}` };
      if (c.max !== undefined && n > c.max) return { code: 'out_of_range', error: `must be ≤ ${c.max}` };
      return { value: n };
    }
  }
  return { value: v };
}

const GRADES: Record<string, RegExp> = { brcgs_food: /^(AA|A|B|C|D)\+?$/, ifs_food: /^(higher|foundation)$/ };

/** Rules across the cells of one row (the same rules the API applies to one record). */
function crossChecks(kind: ImportKind, r: Row): { column: string; code: string; message: string }[] {
  const out: { column: string; code: string; message: string }[] = [];
  const n = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : null);
  const d = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : null);
  if (kind === 'materials' && (r.unit === 'l' || r.unit === 'unit') && !(n('massKgPerUnit')! > 0)) {
    out.push({ column: 'massKgPerUnit', code: 'mass_required', message: 'is required and > 0 for the units l and unit' });
  }
  if (kind === 'suppliers' && r.status === 'blocked' && !r.statusReason) out.push({ column: 'statusReason', code: 'reason_required', message: 'is required when the status is blocked' });
  if (kind === 'deliveries') {
    if (d('promisedOn') && d('orderedOn') && d('promisedOn')! < d('orderedOn')!) out.push({ column: 'promisedOn', code: 'date_order', message: 'is before orderedOn' });
    if (d('deliveredOn') && d('orderedOn') && d('deliveredOn')! < d('orderedOn')!) out.push({ column: 'deliveredOn', code: 'date_order', message: 'is before orderedOn' });
    if (n('quantityOrdered') === 0) out.push({ column: 'quantityOrdered', code: 'out_of_range', message: 'must be > 0' });
    if (n('quantityAccepted') !== null && n('quantityDelivered') !== null && n('quantityAccepted')! > n('quantityDelivered')!) out.push({ column: 'quantityAccepted', code: 'accepted_exceeds_delivered', message: 'exceeds quantityDelivered' });
    if (n('defectiveUnits') !== null && (n('unitsInspected') === null || n('defectiveUnits')! > n('unitsInspected')!)) out.push({ column: 'defectiveUnits', code: 'defective_exceeds_inspected', message: 'exceeds unitsInspected' });
  }
  if (kind === 'certifications') {
    if (d('validFrom') && d('validUntil') && d('validUntil')! < d('validFrom')!) out.push({ column: 'validUntil', code: 'date_order', message: 'is before validFrom' });
    if (r.grade && (!GRADES[r.code as string] || !GRADES[r.code as string]!.test(r.grade as string))) out.push({ column: 'grade', code: 'grade_not_applicable', message: `is not a grade of ${String(r.code)}` });
  }
  return out;
}

/**
 * Parses a CSV file (UTF-8, optional BOM, comma-separated, header line with the template's column names) into typed
 * rows and the errors found without the database. Row numbers are the file's line numbers (the header is line 1).
 */
export function parseRows(kind: ImportKind, content: Buffer): { rows: { line: number; values: Row }[]; errors: RowError[] } {
  const cols = COLUMNS[kind];
  let records: string[][];
  try {
    records = parse(content, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (err) {
    return { rows: [], errors: [{ row: (err as { lines?: number }).lines ?? 0, column: null, code: 'csv_invalid', message: `The file is not valid CSV: ${(err as Error).message}` }] };
  }
  if (!records.length) return { rows: [], errors: [{ row: 1, column: null, code: 'empty_file', message: 'The file has no header line.' }] };
  const header = records[0]!.map((h) => h.trim());
  const errors: RowError[] = [];
  const known = new Set(cols.map((c) => c.name));
  for (const h of header) if (!known.has(h)) errors.push({ row: 1, column: h, code: 'unknown_column', message: `Unknown column "${h}"; the template lists the columns.` });
  for (const c of cols) if (c.required && !header.includes(c.name)) errors.push({ row: 1, column: c.name, code: 'missing_column', message: `The required column "${c.name}" is missing.` });
  if (errors.length) return { rows: [], errors };
  if (records.length === 1) return { rows: [], errors: [{ row: 1, column: null, code: 'no_rows', message: 'The file has a header but no rows.' }] };
  const rows: { line: number; values: Row }[] = [];
  records.slice(1).forEach((record, i) => {
    const line = i + 2;
    if (record.length !== header.length) {
      errors.push({ row: line, column: null, code: 'column_count', message: `Has ${record.length} cells; the header has ${header.length}.` });
      return;
    }
    const values: Row = {};
    let ok = true;
    for (const c of cols) {
      const idx = header.indexOf(c.name);
      const res = cell(c, idx === -1 ? '' : record[idx]!);
      if ('error' in res) { errors.push({ row: line, column: c.name, code: res.code, message: `${c.name} ${res.error}.` }); ok = false; } else values[c.name] = res.value;
    }
    if (ok) {
      const cross = crossChecks(kind, values);
      for (const e of cross) errors.push({ row: line, column: e.column, code: e.code, message: `${e.column} ${e.message}.` });
      if (cross.length) ok = false;
    }
    rows.push({ line, values: ok ? values : { ...values, __invalid: true } });
  });
  return { rows, errors };
}
