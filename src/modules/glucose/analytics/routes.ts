import { Type, type TSchema } from 'typebox';
import type { App } from '../../../platform/types.js';
import { problemResponses } from '../../../platform/http/problem.js';
import { patientAccess, patientScope } from '../access/scope.js';
import { recordHealthRead } from '../access/audit.js';
import { Nullable } from '../readings/model.js';
import type { GlucoseServices } from '../services.js';
import { analyticsWindow } from './load.js';
import { aggregates, agpResponse, analyzePatient, detectPatientInsights, episodesResponse, firstDetections, metricsResponse } from './service.js';
import { defineAnalyticsJobs } from './jobs.js';

const PatientParams = Type.Object({ patientId: Type.String({ description: 'Patient id, or `me` for a patient' }) });
const Iso = Type.String({ format: 'date-time' });
const Num = Nullable(Type.Number());
const Window = {
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Start (inclusive); default `to` − 14 days' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'End (exclusive); default now' })),
};

const Bands = Nullable(Type.Object({
  below54Pct: Type.Number(), below70Pct: Type.Number(), from54to69Pct: Type.Number(), inRangePct: Type.Number(),
  above180Pct: Type.Number(), from181to250Pct: Type.Number(), above250Pct: Type.Number(),
  from70to140Pct: Type.Optional(Type.Number({ description: 'TITR 70–140, inclusive' })),
  from63to140Pct: Type.Optional(Type.Number({ description: 'pregnancy range 63–140, inclusive' })),
}, { description: 'Percent of readings (0–100)' }));
const Gri = Nullable(Type.Object({ value: Type.Number(), zone: Type.String(), hypoComponent: Type.Number(), hyperComponent: Type.Number() }));
const Percentiles = Nullable(Type.Object({ p5: Type.Number(), p25: Type.Number(), p50: Type.Number(), p75: Type.Number(), p95: Type.Number() }));

const metricFields = {
  from: Iso, to: Iso,
  basis: Type.String({ description: 'cgm | all | manual (no CGM reading in the range: all readings, grid metrics null)' }),
  timezone: Type.String(), unit: Type.Literal('mg/dL'),
  n: Type.Integer(), dt0Min: Nullable(Type.Integer()), activePct: Num, sufficient: Type.Boolean(),
  meanMgdl: Num, sdMgdl: Num, cvPct: Num, gmiPct: Num, bands: Bands, gri: Gri, lbgi: Num, hbgi: Num,
  mage: Num, modd: Num, conga: Type.Object({ hours: Type.Integer(), value: Num }), percentiles: Percentiles,
  episodes: Type.Object({ hypoL1: Type.Integer(), hypoL2: Type.Integer(), hyperL1: Type.Integer(), hyperL2: Type.Integer() }),
  reasons: Type.Record(Type.String(), Type.String(), { description: 'Why a metric is null: insufficient_data | sampling_too_sparse | manual_basis' }),
};
const MetricsSchema = Type.Object(metricFields);

const AgpSchema = Type.Object({
  ...metricFields,
  days: Type.Integer({ description: 'Local days on the grid' }),
  profile: Type.Array(Type.Object({
    minuteOfDay: Type.Integer(), n: Type.Integer(), p5: Num, p25: Num, p50: Num, p75: Num, p95: Num,
  }), { description: 'One entry per grid time of day (24:00 reported as minute 0); percentiles null with fewer than 3 days' }),
});

const EpisodeSchema = Type.Object({
  kind: Type.String({ description: 'hypo | hyper' }), level: Type.Integer(), start: Iso, end: Iso, durationMin: Type.Number(),
  extremeValue: Type.Number(), extremeAt: Iso, nocturnal: Type.Boolean(),
});

const PeriodMetrics = Type.Object({
  n: Type.Integer(), activePct: Num, meanMgdl: Num, sdMgdl: Num, cvPct: Num, gmiPct: Num, bands: Bands, gri: Gri, lbgi: Num, hbgi: Num,
});
const Delta = Type.Object({
  n: Type.Integer(), activePct: Num, meanMgdl: Num, sdMgdl: Num, cvPct: Num, gmiPct: Num, gri: Num, lbgi: Num, hbgi: Num,
  bands: Nullable(Type.Record(Type.String(), Num)),
}, { description: 'current − previous: percentage points for percentages, mg/dL for mean and SD' });
const AggregatesSchema = Type.Object({
  period: Type.String(), basis: Type.String(), timezone: Type.String(), unit: Type.Literal('mg/dL'), from: Iso, to: Iso,
  firstDate: Type.String({ format: 'date' }), lastDate: Type.String({ format: 'date' }),
  items: Type.Array(Type.Object({ periodStart: Type.String({ format: 'date' }), periodEnd: Type.String({ format: 'date', description: 'last local date included' }), ...PeriodMetrics.properties })),
  total: PeriodMetrics,
  comparison: Type.Optional(Type.Object({ from: Type.String({ format: 'date' }), to: Type.String({ format: 'date' }), metrics: PeriodMetrics, delta: Delta })),
});

const InsightSchema = Type.Object({
  type: Type.String({ description: 'dawn_phenomenon | nocturnal_hypoglycemia | postprandial_peaks' }),
  title: Type.String(), description: Type.String(), recommendation: Type.String(),
  firstDetectedAt: Nullable(Type.String({ format: 'date-time', description: 'When the weekly run first stored this pattern for the patient; null if it never did' })),
  evidence: Type.Record(Type.String(), Type.Unknown()),
});

const ok = <T extends TSchema>(schema: T) => ({ 200: schema, ...problemResponses(400, 401, 404) });

export default async function analyticsRoutes(app: App, svc: GlucoseServices) {
  const { ctx } = svc;
  const tags = ['glucose analytics'];
  defineAnalyticsJobs(svc);

  app.get('/patients/:patientId/analytics/metrics', {
    schema: {
      tags, summary: 'All metrics of §5 over a range (≤ 90 days; default the last 14 days)',
      description: 'Percent of readings, sample SD, CV, GMI, GRI, LBGI/HBGI, MAGE (iglu moving-average), MODD, CONGA(n), type-7 percentiles, active % and data sufficiency, episode counts. '
        + 'Rounded half away from zero: 1 decimal (GMI, LBGI, HBGI: 2). 400 range_too_large beyond 90 days.',
      params: PatientParams,
      querystring: Type.Object({
        ...Window,
        basis: Type.Union([Type.Literal('cgm'), Type.Literal('all')], { default: 'cgm' }),
        congaHours: Type.Integer({ minimum: 1, maximum: 24, default: 1 }),
      }, { additionalProperties: false }),
      response: ok(MetricsSchema),
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const { fromMs, toMs } = analyticsWindow(req.query);
    const result = await analyzePatient(ctx.db, access.patientId, fromMs, toMs, req.query.basis, req.query.congaHours);
    await recordHealthRead(ctx.db, req, access, 'analytics.metrics', { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
    return metricsResponse(result);
  });

  app.get('/patients/:patientId/analytics/agp', {
    schema: {
      tags, summary: 'AGP percentiles (5/25/50/75/95) per time of day on the patient\'s clock, with the metrics panel values',
      params: PatientParams, querystring: Type.Object(Window, { additionalProperties: false }), response: ok(AgpSchema),
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const { fromMs, toMs } = analyticsWindow(req.query);
    const result = await analyzePatient(ctx.db, access.patientId, fromMs, toMs);
    await recordHealthRead(ctx.db, req, access, 'analytics.agp', { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
    return agpResponse(result);
  });

  app.get('/patients/:patientId/analytics/episodes', {
    schema: {
      tags, summary: 'Hypo- and hyperglycaemia episodes (≥ 15 min; levels < 54, < 70, > 180, > 250 mg/dL), oldest first',
      params: PatientParams, querystring: Type.Object(Window, { additionalProperties: false }),
      response: ok(Type.Object({ from: Iso, to: Iso, timezone: Type.String(), items: Type.Array(EpisodeSchema) })),
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const { fromMs, toMs } = analyticsWindow(req.query);
    const result = await analyzePatient(ctx.db, access.patientId, fromMs, toMs);
    await recordHealthRead(ctx.db, req, access, 'analytics.episodes', { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
    return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), timezone: result.zone, items: episodesResponse(result) };
  });

  app.get('/patients/:patientId/analytics/aggregates', {
    schema: {
      tags, summary: 'Metrics per local day, ISO week or calendar month, with the previous range of equal length',
      description: 'Computed from the per-day sums (daily_stats). At most 92 days, 53 weeks or 24 months (else 400 range_too_large). '
        + 'Defaults: the last 14 days, 12 weeks or 6 months up to now.',
      params: PatientParams,
      querystring: Type.Object({
        period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { default: 'day' }),
        ...Window,
        compare: Type.Boolean({ default: false }),
        basis: Type.Union([Type.Literal('cgm'), Type.Literal('all')], { default: 'cgm' }),
      }, { additionalProperties: false }),
      response: ok(AggregatesSchema),
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const result = await aggregates(ctx.db, access.patientId, req.query);
    await recordHealthRead(ctx.db, req, access, 'analytics.aggregates', { from: result.from, to: result.to, period: req.query.period });
    return result as never;
  });

  app.get('/patients/:patientId/analytics/insights', {
    schema: {
      tags, summary: 'Patterns with their evidence: dawn phenomenon, nocturnal hypoglycaemia, post-prandial peaks (default the last 14 days)',
      description: 'Computed on request; the weekly job (Monday 07:00 local) stores them and notifies the patient of new ones.',
      params: PatientParams, querystring: Type.Object(Window, { additionalProperties: false }),
      response: ok(Type.Object({ from: Iso, to: Iso, items: Type.Array(InsightSchema) })),
    },
    preHandler: patientScope(ctx),
  }, async (req) => {
    const access = patientAccess(req);
    const { fromMs, toMs } = analyticsWindow(req.query);
    const [found, first] = await Promise.all([detectPatientInsights(ctx.db, access.patientId, fromMs, toMs), firstDetections(ctx.db, access.patientId)]);
    const items = found.map((i) => ({ ...i, firstDetectedAt: first.get(i.type) ?? null }));
    await recordHealthRead(ctx.db, req, access, 'analytics.insights', { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), found: items.map((i) => i.type) });
    return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), items };
  });
}
