import PDFDocument from 'pdfkit';
import type { AgpPoint, AgpReportInput, ReportReading } from './model.js';
import { MGDL_PER_MMOL, glucoseText, rangeLabels, roundHalfAway, timePerDay } from './display.js';
import { localDateKey, localDayStarts, localMinuteOfDay } from './local-time.js';

/**
 * The one-page AGP report (§4.8): header, glucose statistics and targets, time-in-ranges bar, AGP percentile
 * chart and the last 14 daily profiles, on A4 or Letter. Drawn with PDF vector graphics (prints sharply).
 */

const COLORS = {
  veryHigh: '#E8772E', high: '#F6C343', inRange: '#3E9B4F', low: '#E2403A', veryLow: '#8E1B1B',
  band95: '#C9DAF0', band75: '#6F9BD1', median: '#1B3F7A', target: '#3E9B4F', grid: '#D9DDE3',
  ink: '#1D232B', muted: '#5E6875', rule: '#9AA3AE', title: '#12355B', warnBg: '#FDECEA', warnInk: '#A3261F',
};
const Y_MAX = 350;
const MARGIN = 34;
const SMOOTH_HALF_WINDOW = 2;

const fmt = (x: number | null | undefined, digits: number, suffix = '') => (x === null || x === undefined ? '—' : `${roundHalfAway(x, digits).toFixed(digits)}${suffix}`);
const dateText = (zone: string, ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, day: 'numeric', month: 'short', year: 'numeric' }).format(ms);
const dayLabel = (zone: string, ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short' }).format(ms);
const timeText = (zone: string, ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);

export interface RenderOptions { compress?: boolean; onProgress?: (pct: number) => void }

export async function renderAgpPdf(input: AgpReportInput, options: RenderOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: input.paper === 'letter' ? 'LETTER' : 'A4', margin: MARGIN, compress: options.compress ?? true,
    info: { Title: `AGP report — ${input.patient.name}`, Author: 'Atrium', Subject: 'Ambulatory Glucose Profile', CreationDate: new Date(input.generatedAt) },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => { doc.on('end', () => resolve(Buffer.concat(chunks))); doc.on('error', reject); });

  const W = doc.page.width;
  const H = doc.page.height;
  const inner = W - 2 * MARGIN;
  const compact = input.paper === 'letter';

  let y = drawHeader(doc, input, MARGIN, inner);
  const topHeight = compact ? 168 : 186;
  const statsWidth = inner * 0.56;
  drawStatistics(doc, input, MARGIN, y, statsWidth - 10, topHeight);
  drawTimeInRanges(doc, input, MARGIN + statsWidth + 4, y, inner - statsWidth - 4, topHeight);
  y += topHeight + 10;
  options.onProgress?.(40);

  const footerHeight = 22;
  const dailyHeight = compact ? 168 : 190;
  const agpHeight = H - MARGIN - footerHeight - dailyHeight - 10 - y;
  drawAgp(doc, input, MARGIN, y, inner, agpHeight);
  y += agpHeight + 10;
  options.onProgress?.(60);
  drawDailyProfiles(doc, input, MARGIN, y, inner, dailyHeight);
  options.onProgress?.(80);
  drawFooter(doc, input, MARGIN, H - MARGIN - footerHeight + 6, inner);
  doc.end();
  return done;
}

function sectionTitle(doc: PDFKit.PDFDocument, text: string, x: number, y: number, width: number) {
  doc.rect(x, y, width, 16).fill('#E9EEF5');
  doc.fillColor(COLORS.title).font('Helvetica-Bold').fontSize(8.5).text(text.toUpperCase(), x + 6, y + 4.5, { width: width - 12, characterSpacing: 0.4, lineBreak: false });
}

function drawHeader(doc: PDFKit.PDFDocument, input: AgpReportInput, x: number, width: number): number {
  const { patient, zone } = input;
  const days = Math.round((input.to - input.from) / 86_400_000);
  doc.fillColor(COLORS.title).font('Helvetica-Bold').fontSize(15).text('AGP Report: Continuous Glucose Monitoring', x, MARGIN, { lineBreak: false });
  doc.fillColor(COLORS.muted).font('Helvetica').fontSize(8).text('Atrium', x, MARGIN + 4, { width, align: 'right', lineBreak: false });
  let y = MARGIN + 22;
  doc.moveTo(x, y).lineTo(x + width, y).lineWidth(1.2).strokeColor(COLORS.title).stroke();
  y += 6;
  const col = width / 2;
  const row = (label: string, value: string, cx: number, cy: number) => {
    doc.fillColor(COLORS.muted).font('Helvetica').fontSize(8).text(label, cx, cy, { lineBreak: false });
    doc.fillColor(COLORS.ink).font('Helvetica-Bold').fontSize(8.5).text(value, cx + 78, cy - 0.5, { width: col - 84, lineBreak: false, ellipsis: true });
  };
  const endInclusive = input.to - 1;
  row('Patient', patient.name, x, y);
  row('Report period', `${dateText(zone, input.from)} – ${dateText(zone, endInclusive)} (${days} days)`, x + col, y);
  y += 12;
  row('Date of birth', patient.dateOfBirth ?? 'not recorded', x, y);
  row('% time CGM active', input.metrics.activePct === null ? '—' : `${fmt(input.metrics.activePct, 1)} %`, x + col, y);
  y += 12;
  row('Diabetes type', patient.diabetesType ?? 'not recorded', x, y);
  row('Glucose unit', input.unit, x + col, y);
  y += 12;
  row('Time zone', zone, x, y);
  row('Generated', timeText(zone, input.generatedAt), x + col, y);
  y += 14;
  if (!input.metrics.sufficient) {
    const reason = days < 14 ? `the period is ${days} days (at least 14 are needed)` : `the CGM was active ${fmt(input.metrics.activePct, 1)} % of the time (at least 70 % is needed)`;
    doc.rect(x, y, width, 16).fill(COLORS.warnBg);
    doc.fillColor(COLORS.warnInk).font('Helvetica-Bold').fontSize(8).text(`Data sufficiency warning: ${reason}. Interpret the statistics with caution.`, x + 6, y + 4.5, { width: width - 12, lineBreak: false });
    y += 20;
  }
  return y + 2;
}

function drawStatistics(doc: PDFKit.PDFDocument, input: AgpReportInput, x: number, y: number, width: number, height: number) {
  const m = input.metrics;
  sectionTitle(doc, 'Glucose statistics and targets', x, y, width);
  let cy = y + 24;
  const unit = input.unit;
  const rows: [string, string, string?][] = [
    ['Mean glucose', m.meanMgdl === null ? '—' : `${glucoseText(m.meanMgdl, unit)} ${unit}`],
    ['Glucose Management Indicator (GMI)', m.gmiPct === null ? '—' : unit === 'mmol/L' && m.meanMgdl !== null
      ? `${fmt(m.gmiPct, 1)} % (${fmt(12.71 + 4.70587 * (m.meanMgdl / MGDL_PER_MMOL), 0)} mmol/mol)` : `${fmt(m.gmiPct, 1)} %`],
    ['Glucose variability (CV)', m.cvPct === null ? '—' : `${fmt(m.cvPct, 1)} %`, 'Target: 36 % or less'],
    ['Glycemia Risk Index (GRI)', m.gri === null ? '—' : `${fmt(m.gri.value, 1)}  zone ${m.gri.zone}`],
    ['Readings', `${m.n.toLocaleString('en-GB')} (${input.basis === 'cgm' ? 'CGM' : 'finger-stick'})`],
  ];
  for (const [label, value, hint] of rows) {
    doc.fillColor(COLORS.ink).font('Helvetica').fontSize(8.5).text(label, x + 6, cy, { lineBreak: false });
    doc.font('Helvetica-Bold').fontSize(9.5).text(value, x + width * 0.58, cy - 1, { width: width * 0.42 - 6, align: 'right', lineBreak: false });
    if (hint) doc.fillColor(COLORS.muted).font('Helvetica').fontSize(7).text(hint, x + width * 0.58, cy + 10, { width: width * 0.42 - 6, align: 'right', lineBreak: false });
    cy += hint ? 20 : 15;
    doc.moveTo(x + 6, cy - 4).lineTo(x + width - 6, cy - 4).lineWidth(0.4).strokeColor(COLORS.grid).stroke();
  }
  cy += 2;
  doc.fillColor(COLORS.title).font('Helvetica-Bold').fontSize(7.5).text('Targets for most adults with type 1 or 2 diabetes (Consensus 2019)', x + 6, cy, { width: width - 12, lineBreak: false });
  cy += 11;
  const lo = glucoseText(70, unit); const hi = glucoseText(180, unit); const vlo = glucoseText(54, unit); const vhi = glucoseText(250, unit);
  const targets = [
    [`Time in range ${lo}–${hi} ${unit}`, 'more than 70 %'],
    [`Time below ${lo} ${unit}`, 'less than 4 %'],
    [`Time below ${vlo} ${unit}`, 'less than 1 %'],
    [`Time above ${hi} ${unit}`, 'less than 25 %'],
    [`Time above ${vhi} ${unit}`, 'less than 5 %'],
  ];
  doc.font('Helvetica').fontSize(7.5);
  for (const [label, goal] of targets) {
    if (cy > y + height - 8) break;
    doc.fillColor(COLORS.ink).text(label, x + 10, cy, { lineBreak: false });
    doc.fillColor(COLORS.muted).text(goal, x + width * 0.58, cy, { width: width * 0.42 - 6, align: 'right', lineBreak: false });
    cy += 10;
  }
}

function drawTimeInRanges(doc: PDFKit.PDFDocument, input: AgpReportInput, x: number, y: number, width: number, height: number) {
  sectionTitle(doc, 'Time in ranges', x, y, width);
  const b = input.metrics.bands;
  const unit = input.unit;
  const top = y + 26;
  const barH = height - 34;
  const barX = x + 8;
  const barW = 34;
  if (!b) {
    doc.fillColor(COLORS.muted).font('Helvetica').fontSize(9).text('No readings in this period.', x + 8, top + 20);
    return;
  }
  const bands = [
    { name: 'Very high', range: `above ${glucoseText(250, unit)}`, pct: b.above250Pct, color: COLORS.veryHigh },
    { name: 'High', range: `${glucoseText(181, unit)}–${glucoseText(250, unit)}`, pct: b.from181to250Pct, color: COLORS.high },
    { name: 'Target range', range: `${glucoseText(70, unit)}–${glucoseText(180, unit)}`, pct: b.inRangePct, color: COLORS.inRange },
    { name: 'Low', range: `${glucoseText(54, unit)}–${glucoseText(69, unit)}`, pct: b.from54to69Pct, color: COLORS.low },
    { name: 'Very low', range: `below ${glucoseText(54, unit)}`, pct: b.below54Pct, color: COLORS.veryLow },
  ];
  const labels = rangeLabels(bands.map((band) => band.pct));
  // segments keep a sliver of at least 1.5 pt so a small band stays visible, the rest shares the bar's height
  const minSeg = 1.5;
  const nonZero = bands.filter((band) => band.pct > 0).length;
  const gap = 1;
  const usable = barH - gap * Math.max(0, nonZero - 1) - minSeg * nonZero;
  let cy = top;
  const segments: { mid: number }[] = [];
  for (const band of bands) {
    const h = band.pct > 0 ? minSeg + (usable * band.pct) / 100 : 0;
    if (h > 0) { doc.rect(barX, cy, barW, h).fill(band.color); segments.push({ mid: cy + h / 2 }); cy += h + gap; } else segments.push({ mid: cy });
  }
  // labels spread evenly beside the bar, each tied to its segment by a leader line
  const labelX = barX + barW + 26;
  const slot = barH / bands.length;
  bands.forEach((band, i) => {
    const ly = top + slot * i + slot / 2;
    doc.moveTo(barX + barW + 2, segments[i].mid).lineTo(labelX - 4, ly).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
    doc.rect(labelX - 3, ly - 6, 3, 12).fill(band.color);
    doc.fillColor(COLORS.ink).font('Helvetica-Bold').fontSize(8.5).text(band.name, labelX + 3, ly - 8, { lineBreak: false });
    doc.fillColor(COLORS.muted).font('Helvetica').fontSize(7).text(`${band.range} ${unit}`, labelX + 3, ly + 2, { lineBreak: false });
    doc.fillColor(COLORS.ink).font('Helvetica-Bold').fontSize(10).text(labels[i].label, x + width - 96, ly - 8, { width: 90, align: 'right', lineBreak: false });
    doc.fillColor(COLORS.muted).font('Helvetica').fontSize(7).text(band.pct > 0 ? `${timePerDay(band.pct)} per day` : '—', x + width - 96, ly + 3, { width: 90, align: 'right', lineBreak: false });
  });
}

/** A short circular moving average of a percentile curve, for display only (§4.8 item 4). */
function smooth(values: (number | null)[]): (number | null)[] {
  const n = values.length;
  return values.map((v, i) => {
    if (v === null) return null;
    let sum = 0; let count = 0;
    for (let k = -SMOOTH_HALF_WINDOW; k <= SMOOTH_HALF_WINDOW; k++) {
      const w = values[(i + k + n) % n];
      if (w !== null) { sum += w; count++; }
    }
    return sum / count;
  });
}

/** Runs of consecutive indexes where every given series has a value. */
function runs(length: number, present: (i: number) => boolean): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= length; i++) {
    const ok = i < length && present(i);
    if (ok && start < 0) start = i;
    if (!ok && start >= 0) { out.push([start, i - 1]); start = -1; }
  }
  return out;
}

function yAxis(doc: PDFKit.PDFDocument, unit: 'mg/dL' | 'mmol/L', x: number, top: number, h: number, width: number, py: (v: number) => number, labels: boolean) {
  const ticks = unit === 'mmol/L' ? [0, 3.9, 10, 13.9, 19.4].map((v) => v * MGDL_PER_MMOL) : [0, 54, 70, 180, 250, 350];
  for (const t of ticks) {
    const ty = py(t);
    doc.moveTo(x, ty).lineTo(x + width, ty).lineWidth(0.3).strokeColor(COLORS.grid).stroke();
    if (labels) doc.fillColor(COLORS.muted).font('Helvetica').fontSize(7).text(unit === 'mmol/L' ? (t / MGDL_PER_MMOL).toFixed(1) : String(t), x - 26, ty - 3, { width: 22, align: 'right', lineBreak: false });
  }
  void top; void h;
}

function drawAgp(doc: PDFKit.PDFDocument, input: AgpReportInput, x: number, y: number, width: number, height: number) {
  sectionTitle(doc, 'Ambulatory Glucose Profile (AGP)', x, y, width);
  doc.fillColor(COLORS.muted).font('Helvetica').fontSize(7).text(`Percentiles of glucose (${input.unit}) by time of day across all days of the period (5, 25, 50, 75, 95 %). Median in dark blue; target range ${glucoseText(input.lowTarget, input.unit)}–${glucoseText(input.highTarget, input.unit)} in green.`, x + 6, y + 20, { width: width - 12, lineBreak: false });
  const left = x + 32; const right = x + width - 40;
  const top = y + 34; const bottom = y + height - 16;
  const plotW = right - left; const plotH = bottom - top;
  const px = (minute: number) => left + (minute / 1440) * plotW;
  const py = (v: number) => bottom - (Math.min(Math.max(v, 0), Y_MAX) / Y_MAX) * plotH;
  doc.rect(left, top, plotW, plotH).lineWidth(0.6).strokeColor(COLORS.rule).stroke();
  yAxis(doc, input.unit, left, top, plotH, plotW, py, true);
  for (let h = 0; h <= 24; h += 3) {
    const tx = px(h * 60);
    if (h > 0 && h < 24) doc.moveTo(tx, top).lineTo(tx, bottom).lineWidth(0.3).strokeColor(COLORS.grid).stroke();
    const label = h === 0 || h === 24 ? '12 am' : h === 12 ? '12 pm' : h < 12 ? `${h} am` : `${h - 12} pm`;
    doc.fillColor(COLORS.muted).font('Helvetica').fontSize(7).text(label, tx - 15, bottom + 4, { width: 30, align: 'center', lineBreak: false });
  }
  const points = orderAgp(input.agp);
  if (points.length === 0 || points.every((p) => p.p50 === null)) {
    doc.fillColor(COLORS.muted).font('Helvetica').fontSize(9).text('Not enough CGM data for an AGP (at least 3 days with a value at a time of day are needed).', left + 10, top + plotH / 2 - 5, { width: plotW - 20, align: 'center' });
    drawTargets(doc, input, left, right, py);
    return;
  }
  const minutes = points.map((p) => p.minute);
  const s = {
    p5: smooth(points.map((p) => p.p5)), p25: smooth(points.map((p) => p.p25)), p50: smooth(points.map((p) => p.p50)),
    p75: smooth(points.map((p) => p.p75)), p95: smooth(points.map((p) => p.p95)),
  };
  const band = (lo: (number | null)[], hi: (number | null)[], color: string) => {
    for (const [a, b] of runs(points.length, (i) => lo[i] !== null && hi[i] !== null)) {
      if (b === a) continue;
      doc.moveTo(px(minutes[a]), py(hi[a]!));
      for (let i = a + 1; i <= b; i++) doc.lineTo(px(minutes[i]), py(hi[i]!));
      for (let i = b; i >= a; i--) doc.lineTo(px(minutes[i]), py(lo[i]!));
      doc.closePath().fill(color);
    }
  };
  band(s.p5, s.p95, COLORS.band95);
  band(s.p25, s.p75, COLORS.band75);
  drawTargets(doc, input, left, right, py);
  const line = (vals: (number | null)[], color: string, w: number, dash?: number) => {
    for (const [a, b] of runs(points.length, (i) => vals[i] !== null)) {
      doc.moveTo(px(minutes[a]), py(vals[a]!));
      for (let i = a + 1; i <= b; i++) doc.lineTo(px(minutes[i]), py(vals[i]!));
      if (dash) doc.dash(dash, { space: dash }); else doc.undash();
      doc.lineWidth(w).strokeColor(color).stroke();
      doc.undash();
    }
  };
  line(s.p95, '#8FB0DA', 0.6, 2);
  line(s.p5, '#8FB0DA', 0.6, 2);
  line(s.p50, COLORS.median, 2);
  // percentile labels at the right edge, at the last known value of each curve
  const lastOf = (vals: (number | null)[]) => { for (let i = vals.length - 1; i >= 0; i--) if (vals[i] !== null) return vals[i]!; return null; };
  const labels = [['95 %', s.p95], ['75 %', s.p75], ['50 %', s.p50], ['25 %', s.p25], ['5 %', s.p5]] as const;
  let prevY = -Infinity;
  for (const [label, vals] of labels) {
    const v = lastOf(vals as (number | null)[]);
    if (v === null) continue;
    const ly = Math.max(py(v) - 3, prevY + 8);
    prevY = ly;
    doc.fillColor(label === '50 %' ? COLORS.median : COLORS.muted).font(label === '50 %' ? 'Helvetica-Bold' : 'Helvetica').fontSize(7).text(label, right + 4, ly, { lineBreak: false });
  }
}

function drawTargets(doc: PDFKit.PDFDocument, input: AgpReportInput, left: number, right: number, py: (v: number) => number) {
  for (const t of [input.lowTarget, input.highTarget]) {
    doc.moveTo(left, py(t)).lineTo(right, py(t)).lineWidth(0.9).strokeColor(COLORS.target).stroke();
  }
}

/** The AGP columns by minute of day, with the 24:00 column (reported as minute 0) drawn at both ends. */
function orderAgp(agp: AgpPoint[]) {
  const sorted = [...agp].sort((a, b) => a.minuteOfDay - b.minuteOfDay).map((p) => ({ minute: p.minuteOfDay, p5: p.p5, p25: p.p25, p50: p.p50, p75: p.p75, p95: p.p95 }));
  if (sorted.length && sorted[0].minute === 0) sorted.push({ ...sorted[0], minute: 1440 });
  return sorted;
}

function drawDailyProfiles(doc: PDFKit.PDFDocument, input: AgpReportInput, x: number, y: number, width: number, height: number) {
  sectionTitle(doc, 'Daily glucose profiles', x, y, width);
  doc.fillColor(COLORS.muted).font('Helvetica').fontSize(7).text(`Each panel is one day, midnight to midnight; the band is the target range ${glucoseText(input.lowTarget, input.unit)}–${glucoseText(input.highTarget, input.unit)} ${input.unit}.`, x + 6, y + 20, { width: width - 12, lineBreak: false });
  const days = localDayStarts(input.zone, input.from, input.to).slice(-14);
  const dayEnds = days.map((d, i) => (i + 1 < days.length ? days[i + 1] : input.to));
  const byDay = new Map<number, ReportReading[]>();
  let di = 0;
  for (const r of input.readings) {
    while (di < days.length && r.measuredAtMs >= dayEnds[di]) di++;
    if (di >= days.length) break;
    if (r.measuredAtMs < days[di]) continue;
    const list = byDay.get(di) ?? [];
    list.push(r);
    byDay.set(di, list);
  }
  const cols = 7;
  const gridTop = y + 32;
  const cellW = width / cols;
  const cellH = (height - 32) / 2;
  const leftPad = 2;
  for (let slot = 0; slot < 14; slot++) {
    const col = slot % cols; const row = Math.floor(slot / cols);
    const cx = x + col * cellW + leftPad; const cy = gridTop + row * cellH;
    const w = cellW - 2 * leftPad; const labelH = 11; const h = cellH - labelH - 6;
    const top = cy + labelH;
    // days fill the last slots so the most recent day is bottom right
    const dayIndex = days.length - 14 + slot;
    doc.rect(cx, top, w, h).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
    if (dayIndex < 0) continue;
    const start = days[dayIndex];
    doc.fillColor(COLORS.ink).font('Helvetica-Bold').fontSize(7).text(dayLabel(input.zone, start), cx, cy, { width: w, lineBreak: false });
    const py = (v: number) => top + h - (Math.min(Math.max(v, 0), Y_MAX) / Y_MAX) * h;
    const pxm = (minute: number) => cx + (minute / 1440) * w;
    doc.rect(cx, py(input.highTarget), w, py(input.lowTarget) - py(input.highTarget)).fill('#E3F1E5');
    const readings = byDay.get(dayIndex) ?? [];
    const key = localDateKey(input.zone, start);
    const pts = readings.map((r) => {
      const sameDay = localDateKey(input.zone, r.measuredAtMs) === key;
      return { m: sameDay ? localMinuteOfDay(input.zone, r.measuredAtMs) : 1440, v: r.value, t: r.measuredAtMs };
    });
    const segs: typeof pts[] = [];
    for (const p of pts) {
      const last = segs[segs.length - 1];
      if (last && p.t - last[last.length - 1].t <= 45 * 60_000) last.push(p); else segs.push([p]);
    }
    const shade = (threshold: number, above: boolean, color: string) => {
      doc.save();
      if (above) doc.rect(cx, top, w, py(threshold) - top).clip(); else doc.rect(cx, py(threshold), w, top + h - py(threshold)).clip();
      for (const seg of segs) {
        if (seg.length < 2) continue;
        doc.moveTo(pxm(seg[0].m), py(threshold));
        for (const p of seg) doc.lineTo(pxm(p.m), py(p.v));
        doc.lineTo(pxm(seg[seg.length - 1].m), py(threshold)).closePath().fill(color);
      }
      doc.restore();
    };
    shade(input.highTarget, true, COLORS.high);
    shade(input.lowTarget, false, COLORS.low);
    for (const seg of segs) {
      if (seg.length === 1) { doc.circle(pxm(seg[0].m), py(seg[0].v), 0.8).fill(COLORS.ink); continue; }
      doc.moveTo(pxm(seg[0].m), py(seg[0].v));
      for (const p of seg.slice(1)) doc.lineTo(pxm(p.m), py(p.v));
      doc.lineWidth(0.6).strokeColor(COLORS.ink).stroke();
    }
    if (readings.length === 0) doc.fillColor(COLORS.muted).font('Helvetica').fontSize(6.5).text('no data', cx, top + h / 2 - 3, { width: w, align: 'center', lineBreak: false });
    doc.fillColor(COLORS.muted).font('Helvetica').fontSize(5.5);
    doc.text('12 am', cx + 1, top + h + 1, { lineBreak: false });
    doc.text('12 pm', cx + w / 2 - 8, top + h + 1, { lineBreak: false });
  }
}

function drawFooter(doc: PDFKit.PDFDocument, input: AgpReportInput, x: number, y: number, width: number) {
  doc.moveTo(x, y - 4).lineTo(x + width, y - 4).lineWidth(0.4).strokeColor(COLORS.rule).stroke();
  doc.fillColor(COLORS.muted).font('Helvetica').fontSize(6.5).text(
    `Percent of readings per range, mean, CV, GMI (Bergenstal 2018) and GRI (Klonoff 2023) follow the International Consensus on Time in Range (2019); `
    + 'AGP: percentiles 5, 25, 50, 75 and 95 % by time of day over the interpolation grid; curves lightly smoothed for display. Generated by Atrium.',
    x, y, { width, lineBreak: true, height: 18 },
  );
}
