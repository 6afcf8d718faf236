import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import { renderTablePdf } from '../pdf/quote-pdf.js';

/**
 * Export files (spec §4.5). A column says how its value is written: text, money (numeric cell with the row's
 * currency format), date ('YYYY-MM-DD' → a real date cell) or timestamp (ISO → date-time cell).
 */
export interface ExportColumn { key: string; header: string; kind: 'text' | 'money' | 'date' | 'timestamp'; width: number }
export type ExportRow = Record<string, string | null>;

const CURRENCY_FORMATS: Record<string, string> = { EUR: '#,##0.00 "€"', USD: '"$"#,##0.00', GBP: '"£"#,##0.00', CHF: '"CHF" #,##0.00' };

export async function toXlsx(sheetName: string, columns: ExportColumn[], rows: ExportRow[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Atrium';
  const ws = wb.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = columns.map((c) => ({ header: c.header, key: c.key, width: c.width }));
  ws.getRow(1).font = { bold: true };
  for (const r of rows) {
    const values: Record<string, unknown> = {};
    for (const c of columns) {
      const v = r[c.key];
      if (v === null || v === undefined || v === '') values[c.key] = null;
      else if (c.kind === 'money') values[c.key] = Number(v);
      else if (c.kind === 'date') values[c.key] = new Date(`${v}T00:00:00Z`);
      else if (c.kind === 'timestamp') values[c.key] = new Date(v);
      else values[c.key] = v;
    }
    const row = ws.addRow(values);
    columns.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      if (c.kind === 'money') cell.numFmt = CURRENCY_FORMATS[r.currency ?? ''] ?? '#,##0.00';
      else if (c.kind === 'date') cell.numFmt = 'yyyy-mm-dd';
      else if (c.kind === 'timestamp') cell.numFmt = 'yyyy-mm-dd hh:mm';
    });
  }
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** RFC 4180, UTF-8 with BOM (Excel opens it right), `;` by default, `.` decimals, ISO dates. */
export function toCsv(columns: ExportColumn[], rows: ExportRow[], delimiter = ';'): Buffer {
  const text = stringify([columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => r[c.key] ?? ''))], { delimiter, record_delimiter: '\r\n', bom: true });
  return Buffer.from(text, 'utf8');
}

export function toPdf(title: string, subtitle: string, columns: ExportColumn[], rows: ExportRow[]): Promise<Buffer> {
  return renderTablePdf(title, subtitle, columns.map((c) => c.header), rows.map((r) => columns.map((c) => {
    const v = r[c.key] ?? '';
    return c.kind === 'timestamp' && v ? v.slice(0, 16).replace('T', ' ') : v;
  })), columns.map((c) => c.width));
}
