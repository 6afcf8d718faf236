import { stringify } from 'csv-stringify/sync';
import { strToU8, zipSync } from 'fflate';
import type { ExportTable } from './export-tables.js';

/**
 * Cells that a spreadsheet would run as a formula (starting with =, +, -, @) get a leading apostrophe (§4.8
 * formula-injection guard). Numbers are written as numbers: a negative trend rate stays a number.
 */
export function guardCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return /^[=+\-@]/.test(value) ? `'${value}` : value;
}

/** One RFC 4180 file (CRLF, quoted when needed, UTF-8, header row). */
export function toCsv(table: ExportTable): string {
  return stringify([table.columns, ...table.rows.map((row) => row.map(guardCell))], { record_delimiter: '\r\n' });
}

/** The CSV export: a ZIP with one file per included dataset (and a README when a dataset was not available). */
export function csvZip(tables: ExportTable[]): Buffer {
  const files: Record<string, Uint8Array> = {};
  const notes: string[] = [];
  for (const t of tables) {
    files[`${t.name}.csv`] = strToU8(toCsv(t));
    if (t.note) notes.push(`${t.name}.csv: ${t.note}`);
  }
  if (notes.length) files['README.txt'] = strToU8(`${notes.join('\r\n')}\r\n`);
  return Buffer.from(zipSync(files, { level: 6, mtime: new Date('2020-01-01T00:00:00Z') }));
}
