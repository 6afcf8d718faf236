import ExcelJS from 'exceljs';
import type { ExportTable } from './export-tables.js';
import { guardCell } from './csv-export.js';

/** Sheets of the XLSX export in the order of §4.8. */
export const SHEET_ORDER = ['Summary', 'Daily', 'Readings', 'Meals', 'Insulin', 'Medications', 'Activity', 'Alerts'];

/** One workbook, a sheet per table; header row bold and frozen; text cells formula-guarded like the CSV. */
export async function xlsxWorkbook(tables: ExportTable[], title: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Atrium';
  wb.title = title;
  wb.created = new Date();
  const ordered = [...tables].sort((a, b) => SHEET_ORDER.indexOf(a.sheet) - SHEET_ORDER.indexOf(b.sheet));
  for (const t of ordered) {
    const ws = wb.addWorksheet(t.sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.addRow(t.columns);
    ws.getRow(1).font = { bold: true };
    for (const row of t.rows) ws.addRow(row.map((v) => (typeof v === 'string' ? guardCell(v) : v)));
    t.columns.forEach((c, i) => { ws.getColumn(i + 1).width = Math.min(40, Math.max(10, c.length + 2)); });
    if (t.note) ws.addRow([t.note]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
