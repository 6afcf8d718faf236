import PDFDocument from 'pdfkit';
import { fillPlaceholders, type PlaceholderValues, type TemplateBody } from '../templates/body.js';
import { lineTotal } from '../money.js';

/**
 * A quote rendered with its template version (spec §4.3): header, intro, lines table, total, terms, footer.
 * Template HTML is the allowlisted subset (§3.1); it is laid out as text blocks — paragraphs, line breaks,
 * list items and table rows become lines; bold (<strong>) paragraphs are set in the bold face.
 */
export interface QuotePdfInput {
  body: TemplateBody;
  values: PlaceholderValues;
  quote: { number: string | null; title: string; amount: string; currency: string; status: string };
  projectLabel: string | null;
  lines: { description: string; quantity: string; unitPrice: string }[];
  watermark?: string;
}

const MARGIN = 48;

/** Allowlisted HTML → lines of text (bold when wrapped in <strong>). */
export function htmlToBlocks(html: string): { text: string; bold: boolean }[] {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|li|tr)>/gi, '\n')
    .replace(/<li>/gi, '• ')
    .replace(/<\/t[dh]>/gi, '  ')
    .split('\n')
    .map((raw) => ({ bold: /<strong>/i.test(raw), text: decode(raw.replace(/<[^>]*>/g, '')).trim() }))
    .filter((b) => b.text.length > 0);
}

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

export function money(amount: string, currency: string, locale: string): string {
  try { return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(Number(amount)); } catch { return `${amount} ${currency}`; }
}

function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve, reject) => { doc.on('end', () => resolve(Buffer.concat(chunks))); doc.on('error', reject); });
}

export async function renderQuotePdf(input: QuotePdfInput): Promise<Buffer> {
  const { body, values } = input;
  const doc = new PDFDocument({ size: body.pdf.paper === 'LETTER' ? 'LETTER' : 'A4', margin: MARGIN, info: { Title: `Devis ${input.quote.number ?? ''}`.trim(), Author: 'Atrium' } });
  const done = collect(doc);
  const width = doc.page.width - 2 * MARGIN;
  const color = /^#[0-9a-fA-F]{6}$/.test(body.pdf.primaryColor) ? body.pdf.primaryColor : '#1F4E79';
  const blocks = (html: string, size: number) => {
    for (const b of htmlToBlocks(fillPlaceholders(html, values, true))) {
      doc.font(b.bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(size).fillColor('#1D232B').text(b.text, { width });
    }
  };

  doc.rect(0, 0, doc.page.width, 8).fill(color);
  doc.moveDown(0.5);
  blocks(body.pdf.headerHtml, 10);
  doc.moveDown(1);
  doc.font('Helvetica-Bold').fontSize(20).fillColor(color).text(`DEVIS ${input.quote.number ?? '(brouillon)'}`, { width });
  doc.font('Helvetica').fontSize(12).fillColor('#1D232B').text(input.quote.title, { width });
  if (body.pdf.showProject && input.projectLabel) doc.fontSize(10).fillColor('#5E6875').text(input.projectLabel, { width });
  doc.moveDown(0.8);
  blocks(body.pdf.introHtml, 10);
  doc.moveDown(0.8);

  if (body.pdf.showLines && input.lines.length) {
    const cols = [width * 0.52, width * 0.14, width * 0.16, width * 0.18];
    const header = ['Désignation', 'Qté', 'P.U.', 'Total'];
    const row = (cells: string[], bold = false, fill?: string) => {
      const y = doc.y;
      const heights = cells.map((c, i) => doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9).heightOfString(c, { width: cols[i]! - 8 }));
      const h = Math.max(...heights) + 8;
      if (y + h > doc.page.height - MARGIN) doc.addPage();
      const top = doc.y;
      if (fill) doc.rect(MARGIN, top, width, h).fill(fill);
      let x = MARGIN;
      cells.forEach((c, i) => {
        doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9).fillColor(fill && bold ? '#FFFFFF' : '#1D232B')
          .text(c, x + 4, top + 4, { width: cols[i]! - 8, align: i === 0 ? 'left' : 'right' });
        x += cols[i]!;
      });
      doc.y = top + h;
      doc.x = MARGIN;
    };
    row(header, true, color);
    input.lines.forEach((l, i) => row([l.description, l.quantity, money(l.unitPrice, input.quote.currency, body.locale), money(lineTotal(l.quantity, l.unitPrice), input.quote.currency, body.locale)], false, i % 2 ? '#F3F5F8' : undefined));
    doc.moveDown(0.5);
  }
  doc.font('Helvetica-Bold').fontSize(13).fillColor(color)
    .text(`Total : ${money(input.quote.amount, input.quote.currency, body.locale)}`, MARGIN, doc.y, { width, align: 'right' });
  doc.moveDown(1);
  blocks(body.pdf.termsHtml, 9);
  doc.moveDown(1);
  blocks(body.pdf.footerHtml, 8);
  if (input.watermark) {
    doc.save().rotate(-30, { origin: [doc.page.width / 2, doc.page.height / 2] })
      .font('Helvetica-Bold').fontSize(70).fillColor('#C62828', 0.12)
      .text(input.watermark, 0, doc.page.height / 2 - 40, { width: doc.page.width, align: 'center' }).restore();
  }
  doc.end();
  return done;
}

/** A4 landscape table with the organisation header and a filter summary (exports, spec §4.5). */
export async function renderTablePdf(title: string, subtitle: string, header: string[], rows: string[][], widths: number[]): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 32, info: { Title: title, Author: 'Atrium' } });
  const done = collect(doc);
  const width = doc.page.width - 64;
  const total = widths.reduce((a, b) => a + b, 0);
  const cols = widths.map((w) => (w / total) * width);
  doc.font('Helvetica-Bold').fontSize(14).fillColor('#1F4E79').text(title);
  doc.font('Helvetica').fontSize(9).fillColor('#5E6875').text(subtitle);
  doc.moveDown(0.5);
  const drawRow = (cells: string[], bold: boolean, fill?: string) => {
    if (doc.y + 18 > doc.page.height - 32) { doc.addPage(); drawRow(header, true, '#1F4E79'); }
    const top = doc.y;
    if (fill) doc.rect(32, top, width, 16).fill(fill);
    let x = 32;
    cells.forEach((c, i) => {
      doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8).fillColor(bold ? '#FFFFFF' : '#1D232B')
        .text(c, x + 3, top + 4, { width: cols[i]! - 6, height: 10, ellipsis: true, lineBreak: false });
      x += cols[i]!;
    });
    doc.y = top + 16;
  };
  drawRow(header, true, '#1F4E79');
  rows.forEach((r, i) => drawRow(r, false, i % 2 ? '#F3F5F8' : undefined));
  doc.end();
  return done;
}
