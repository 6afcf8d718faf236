import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeGlucose } from '../analytics/metrics.js';
import { renderAgpPdf } from './agp-pdf.js';
import type { AgpReportInput, ReportReading } from './model.js';
import { pdfText } from './pdf-text.js';

const FROM = Date.parse('2026-03-01T00:00:00Z');
const DAYS = 14;

function input(unit: 'mg/dL' | 'mmol/L', paper: 'a4' | 'letter' = 'a4', days = DAYS): AgpReportInput {
  const readings: ReportReading[] = [];
  for (let t = FROM; t < FROM + days * 86_400_000; t += 300_000) {
    const minute = ((t - FROM) / 60_000) % 1440;
    const value = Math.round(140 + 70 * Math.sin((2 * Math.PI * minute) / 1440) + ((t / 300_000) % 7) * 3);
    readings.push({ id: String(t), measuredAtMs: t, source: 'cgm', value, direction: null, trendRate: null, context: null, device: null, flags: [], notes: null });
  }
  const to = FROM + days * 86_400_000;
  const a = analyzeGlucose(readings.map((r) => ({ at: r.measuredAtMs, mgdl: r.value })), { from: FROM, to, timeZone: 'UTC' });
  return {
    patient: { id: 'p', name: 'Ada Lovelace', dateOfBirth: null, diabetesType: 'Type 1' }, from: FROM, to, zone: 'UTC', unit, paper,
    generatedAt: Date.parse('2026-03-15T08:00:00Z'), lowTarget: 70, highTarget: 180, metrics: a.metrics, basis: 'cgm', agp: a.agp ?? [], readings,
  };
}

test('the AGP PDF is one page with the header, statistics, time in ranges, AGP and 14 daily profiles', async () => {
  const data = input('mg/dL');
  const pdf = await renderAgpPdf(data);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  assert.equal((pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length, 1, 'one page');
  const text = pdfText(pdf);
  for (const s of ['AGP Report: Continuous Glucose Monitoring', 'Ada Lovelace', '1 Mar 2026 – 14 Mar 2026 (14 days)', 'Glucose statistics and targets'.toUpperCase(),
    'Time in ranges'.toUpperCase(), 'Ambulatory Glucose Profile (AGP)'.toUpperCase(), 'Daily glucose profiles'.toUpperCase(), 'Sun 1 Mar', 'Sat 14 Mar',
    'Mean glucose', 'Glucose Management Indicator (GMI)', 'Glycemia Risk Index (GRI)', 'more than 70 %']) {
    assert.ok(text.includes(s), `PDF text has "${s}"`);
  }
  const m = data.metrics;
  assert.ok(text.includes(`${Math.round(m.meanMgdl!)} mg/dL`), 'mean glucose value');
  assert.ok(text.includes(`${m.gmiPct!.toFixed(1)} %`), 'GMI value');
  assert.ok(text.includes(`${m.cvPct!.toFixed(1)} %`), 'CV value');
  assert.ok(text.includes(`zone ${m.gri!.zone}`), 'GRI zone');
  assert.ok(text.includes(`${m.n.toLocaleString('en-GB')} (CGM)`), 'number of readings');
  assert.ok(!text.includes('Data sufficiency warning'), 'a full 14 days is sufficient');
});

test('the mmol/L variant labels values and targets in mmol/L; a short period carries the sufficiency warning', async () => {
  const text = pdfText(await renderAgpPdf(input('mmol/L', 'letter', 7)));
  assert.ok(text.includes('3.9–10.0 mmol/L'), 'target range in mmol/L');
  assert.ok(text.includes('mmol/mol'), 'GMI also in mmol/mol');
  assert.ok(text.includes('Data sufficiency warning: the period is 7 days'), 'warning');
});

test('a 14-day AGP PDF renders well under the 10 s target', async () => {
  const started = performance.now();
  await renderAgpPdf(input('mg/dL'));
  assert.ok(performance.now() - started < 10_000);
});
