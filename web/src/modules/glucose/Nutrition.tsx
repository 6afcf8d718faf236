import { useState } from 'react';
import { useParams, Link } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api/client';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Chart } from '../../platform/ui/Chart';
import { TextField } from '../../platform/ui/Field';
import { Dialog } from '../../platform/ui/Dialog';
import { Alert, EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Badge, Card, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { useResolvedPatientId, useUnit } from './api';
import { careKeys, useLiveLogs, type Meal, type NutritionDaily } from './care-api';
import { useCareRights } from './Medications';
import { formatGlucose } from './units';
import './glucose.css';
import './care-logs.css';

function Progress({ label, value, goal, pct, unit }: { label: string; value: number; goal: number | null; pct: number | null; unit: string }) {
  const width = Math.min(100, pct ?? 0);
  return (
    <div className="cl-progress">
      <div className="cl-progress-head"><span>{label}</span><strong>{value}{unit}{goal !== null ? ` / ${goal}${unit}` : ''}</strong></div>
      <div className="cl-bar" role="progressbar" aria-valuenow={pct ?? 0} aria-valuemin={0} aria-valuemax={100} aria-label={label}><span style={{ width: `${width}%` }} className={pct !== null && pct > 110 ? 'over' : ''} /></div>
    </div>
  );
}

function Today({ patientId }: { patientId: string }) {
  const t = useT();
  const n = useQuery({ queryKey: [...careKeys.nutrition(patientId), '7d'], queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/nutrition/daily', { params: { patientId }, query: { range: '7d' } }) });
  const a = useQuery({ queryKey: careKeys.activity(patientId), queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/activity/daily', { params: { patientId } }) });
  if (n.isPending || a.isPending) return <Card><Skeleton lines={5} /></Card>;
  if (n.isError) return <ProblemAlert error={n.error} onRetry={() => void n.refetch()} />;
  if (a.isError) return <ProblemAlert error={a.error} onRetry={() => void a.refetch()} />;
  const day = n.data.days.at(-1)!;
  const act = a.data.days.at(-1)!;
  return (
    <Card title={t('care.today')} description={t('care.todayLead', { zone: n.data.timezone })}>
      <div className="cl-progress-grid" data-testid="today-summary">
        <Progress label={t('care.calories')} value={day.caloriesKcal} goal={day.goals.caloriesKcal} pct={day.progressPct.calories} unit=" kcal" />
        <Progress label={t('care.carbs')} value={day.carbsG} goal={day.goals.carbsG} pct={day.progressPct.carbs} unit=" g" />
        <Progress label={t('care.hydration')} value={day.hydrationGlasses} goal={day.goals.hydrationGlasses} pct={day.progressPct.hydration} unit="" />
        <Progress label={t('care.steps')} value={act.steps ?? 0} goal={act.goals ? (act.goals as { steps: number }).steps : null} pct={act.progressPct.steps} unit="" />
        <Progress label={t('care.activeMinutes')} value={act.activeMinutes} goal={(act.goals as { activeMinutes: number }).activeMinutes} pct={act.progressPct.activeMinutes} unit=" min" />
      </div>
      <p className="cl-muted">{t('care.macros', { protein: day.proteinG, fat: day.fatG, fiber: day.fiberG, meals: day.mealsCount })}</p>
    </Card>
  );
}

function WeekChart({ data }: { data: NutritionDaily }) {
  const t = useT();
  return (
    <Chart label={t('care.weekChart')} height={220} option={{
      grid: { left: 40, right: 16, top: 24, bottom: 28 }, tooltip: { trigger: 'axis' }, legend: { top: 0 },
      xAxis: { type: 'category', data: data.days.map((d) => d.date.slice(5)) },
      yAxis: [{ type: 'value', name: 'g' }],
      series: [
        { name: t('care.carbs'), type: 'bar', data: data.days.map((d) => d.carbsG), itemStyle: { color: '#f59e0b' } },
        { name: t('care.protein'), type: 'bar', data: data.days.map((d) => d.proteinG), itemStyle: { color: '#3b82f6' } },
        { name: t('care.fat'), type: 'bar', data: data.days.map((d) => d.fatG), itemStyle: { color: '#a855f7' } },
      ],
    }} />
  );
}

function Week({ patientId }: { patientId: string }) {
  const t = useT();
  const q = useQuery({ queryKey: [...careKeys.nutrition(patientId), '7d'], queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/nutrition/daily', { params: { patientId }, query: { range: '7d' } }) });
  return (
    <Card title={t('care.week')} description={q.data?.average ? t('care.weekAverage', { carbs: q.data.average.carbsG, kcal: q.data.average.caloriesKcal }) : undefined}>
      {q.isPending ? <Skeleton lines={4} /> : q.isError ? <ProblemAlert error={q.error} /> : <WeekChart data={q.data} />}
    </Card>
  );
}

function ImpactChart({ patientId, meal }: { patientId: string; meal: Meal }) {
  const t = useT();
  const unit = useUnit();
  const q = useQuery({ queryKey: [...careKeys.meals(patientId), meal.id], queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/meals/{mealId}', { params: { patientId, mealId: meal.id } }) });
  if (q.isPending) return <Skeleton lines={3} />;
  if (q.isError) return <ProblemAlert error={q.error} />;
  const t0 = Date.parse(meal.takenAt);
  const points = q.data.readings.map((r) => [Math.round((Date.parse(r.at) - t0) / 60_000), unit === 'mmol/L' ? Math.round((r.value / 18.0182) * 10) / 10 : r.value]);
  if (points.length === 0) return <p className="cl-muted">{t('care.noReadingsAround')}</p>;
  return (
    <Chart label={t('care.impactChart')} height={160} option={{
      grid: { left: 36, right: 10, top: 10, bottom: 24 }, tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', min: -120, max: 135, axisLabel: { formatter: (v: number) => `${v > 0 ? '+' : ''}${v}′` } },
      yAxis: { type: 'value', scale: true },
      series: [{ type: 'line', data: points, showSymbol: true, symbolSize: 4, markLine: { symbol: 'none', data: [{ xAxis: 0 }], lineStyle: { color: '#f59e0b' }, label: { formatter: t('care.meal') } } }],
    }} />
  );
}

function ImpactText({ meal }: { meal: Meal }) {
  const t = useT();
  const { locale } = useI18n();
  const unit = useUnit();
  const i = meal.impact as { status?: string; rise?: number; timeToPeakMin?: number; delta2h?: number | null; reason?: string } | null;
  if (!i) return <Badge>{t('care.impactPending')}</Badge>;
  if (i.status !== 'computed') return <Badge>{t('care.impactInsufficient')}</Badge>;
  const fmt = (v: number) => `${v < 0 ? '−' : '+'}${formatGlucose(Math.abs(v), unit, locale)}`;
  return <Badge tone={(i.rise ?? 0) > 60 ? 'warning' : 'success'}>{t('care.impactText', { rise: fmt(i.rise ?? 0), minutes: i.timeToPeakMin ?? 0, delta: i.delta2h === null || i.delta2h === undefined ? '—' : fmt(i.delta2h) })}</Badge>;
}

function Meals({ patientId, canLog }: { patientId: string; canLog: boolean }) {
  const t = useT();
  const { formatDate } = useI18n();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<string | null>(null);
  const q = useQuery({ queryKey: careKeys.meals(patientId), queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/meals', { params: { patientId }, query: { limit: 30 } }) });
  const remove = useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/glucose/patients/{patientId}/meals/{mealId}', { params: { patientId, mealId: id } }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: careKeys.all(patientId) }),
  });
  return (
    <Card title={t('care.meals')} description={t('care.mealsLead')} actions={canLog ? <Link className="btn btn-secondary btn-sm" to={`/glucose/patients/${patientId}/log`}>{t('care.logSomething')}</Link> : null}>
      {q.isPending ? <Skeleton lines={4} /> : q.isError ? <ProblemAlert error={q.error} onRetry={() => void q.refetch()} /> : q.data.items.length === 0
        ? <EmptyState icon="inbox" title={t('care.noMeals')}>{t('care.noMealsLead')}</EmptyState>
        : (
          <ul className="g-list" data-testid="meal-list">
            {q.data.items.map((m) => (
              <li key={m.id} className="cl-meal">
                <div className="g-list-main">
                  <strong>{m.name ?? t(`care.mealType.${m.mealType}` as 'care.mealType.lunch')} · {m.carbsG} g</strong>
                  <span>{formatDate(m.takenAt, 'datetime')} · {t(`care.mealType.${m.mealType}` as 'care.mealType.lunch')}{m.caloriesKcal !== null ? ` · ${m.caloriesKcal} kcal` : ''}{m.enteredByName ? ` · ${m.enteredByName}` : ''}</span>
                </div>
                <div className="button-row">
                  <ImpactText meal={m} />
                  <Button size="sm" onClick={() => setOpen(open === m.id ? null : m.id)}>{open === m.id ? t('care.hide') : t('care.showImpact')}</Button>
                  {canLog ? <Button size="sm" icon="trash" aria-label={t('care.delete')} onClick={() => remove.mutate(m.id)} /> : null}
                </div>
                {open === m.id ? <div className="cl-meal-chart"><ImpactChart patientId={patientId} meal={m} /></div> : null}
              </li>
            ))}
          </ul>
        )}
    </Card>
  );
}

function Activities({ patientId }: { patientId: string }) {
  const t = useT();
  const unit = useUnit();
  const { formatDate, locale } = useI18n();
  const q = useQuery({ queryKey: careKeys.activity(patientId), queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/activity/daily', { params: { patientId } }) });
  const sessions = q.data ? q.data.days.flatMap((d) => d.sessions).reverse() : [];
  const g = (v: number | null | undefined) => (v === null || v === undefined ? '—' : formatGlucose(v, unit, locale));
  return (
    <Card title={t('care.activities')} description={t('care.activitiesLead')}>
      {q.isPending ? <Skeleton lines={3} /> : q.isError ? <ProblemAlert error={q.error} onRetry={() => void q.refetch()} /> : sessions.length === 0
        ? <EmptyState icon="inbox" title={t('care.noActivities')} />
        : (
          <ul className="g-list" data-testid="activity-list">
            {sessions.slice(0, 8).map((a) => (
              <li key={a.id}>
                <div className="g-list-main">
                  <strong>{t(`care.activityType.${a.activityType}` as 'care.activityType.walking')} · {a.durationMin} min</strong>
                  <span>{formatDate(a.startedAt, 'datetime')} · {t(`care.intensityName.${a.intensity}` as 'care.intensityName.low')}{a.caloriesKcal !== null ? ` · ${a.caloriesKcal} kcal` : ''}</span>
                </div>
                <span className="cl-muted">{t('care.sessionGlucose', { start: g(a.glucose?.atStart), min: g(a.glucose?.minDuring), end: g(a.glucose?.atEnd), unit })}</span>
              </li>
            ))}
          </ul>
        )}
    </Card>
  );
}

function Recommendations({ patientId }: { patientId: string }) {
  const t = useT();
  const [state, setState] = useState<'' | 'low' | 'in_range' | 'high'>('');
  const [minutes, setMinutes] = useState(30);
  const nutrition = useQuery({
    queryKey: [...careKeys.recommendations(patientId), 'nutrition', state], retry: false,
    queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/recommendations/nutrition', { params: { patientId }, query: state ? { glucoseState: state } : {} }),
  });
  const activity = useQuery({
    queryKey: [...careKeys.recommendations(patientId), 'activity', minutes], retry: false,
    queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/recommendations/activity', { params: { patientId }, query: { timeAvailableMin: minutes } }),
  });
  const needsState = nutrition.error instanceof ApiError && nutrition.error.code === 'glucose_state_required';
  return (
    <Card title={t('care.recommendations')}>
      <Alert tone="info">{t('care.disclaimer')}</Alert>
      <div className="segmented" role="radiogroup" aria-label={t('care.glucoseState')}>
        {(['', 'low', 'in_range', 'high'] as const).map((s) => <button key={s || 'auto'} type="button" role="radio" aria-checked={state === s} className={state === s ? 'active' : ''} onClick={() => setState(s)}>{t(`care.state.${s || 'auto'}` as 'care.state.auto')}</button>)}
      </div>
      {nutrition.isPending ? <Skeleton lines={2} /> : needsState ? <p className="cl-muted">{t('care.chooseState')}</p> : nutrition.isError ? <ProblemAlert error={nutrition.error} /> : (
        <div data-testid="nutrition-advice">
          <h4>{t(`care.advice.${nutrition.data.code}` as 'care.advice.treat_low')}</h4>
          <ul>{nutrition.data.messages.map((m) => <li key={m}>{m}</li>)}</ul>
          {nutrition.data.items.length ? <p className="cl-muted">{nutrition.data.items.map((i) => `${i.name} (${i.portionLabel}, ${i.carbsG} g)`).join(' · ')}</p> : null}
        </div>
      )}
      <hr />
      <TextField label={t('care.timeAvailable')} type="number" min={5} max={240} value={String(minutes)} onChange={(e) => setMinutes(Math.max(5, Math.min(240, Number(e.target.value) || 30)))} />
      {activity.isPending ? <Skeleton lines={2} /> : activity.isError ? <p className="cl-muted">{t('care.noRecentReading')}</p> : (
        <div>
          <ul>{activity.data.messages.map((m) => <li key={m}>{m}</li>)}</ul>
          <p className="cl-muted">{activity.data.activities.map((a) => `${t(`care.activityType.${a.activityType}` as 'care.activityType.walking')} ${a.minutes}′`).join(' · ')}</p>
        </div>
      )}
    </Card>
  );
}

function GoalsDialog({ patientId, onClose }: { patientId: string; onClose: () => void }) {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const q = useQuery({ queryKey: careKeys.goals(patientId), queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/goals', { params: { patientId } }) });
  const [v, setV] = useState<Record<string, string> | null>(null);
  const values = v ?? (q.data ? Object.fromEntries(Object.entries(q.data).map(([k, x]) => [k, x === null ? '' : String(x)])) : null);
  const save = useMutation({
    mutationFn: () => api.put('/api/v1/glucose/patients/{patientId}/goals', { params: { patientId }, body: {
      caloriesKcal: Number(values!.caloriesKcal), carbsG: values!.carbsG ? Number(values!.carbsG) : null, hydrationGlasses: Number(values!.hydrationGlasses),
      steps: Number(values!.steps), activeMinutes: Number(values!.activeMinutes),
    } }),
    onSuccess: () => { toast(t('care.goalsSaved')); void queryClient.invalidateQueries({ queryKey: careKeys.all(patientId) }); onClose(); },
  });
  const fe = save.error instanceof ApiError ? save.error.fieldErrors() : {};
  const field = (k: string, label: string, min: number, max: number) => (
    <TextField label={label} type="number" min={min} max={max} value={values?.[k] ?? ''} error={fe[k]} onChange={(e) => setV({ ...values!, [k]: e.target.value })} />
  );
  return (
    <Dialog open title={t('care.goals')} onClose={onClose} footer={<><Button onClick={onClose}>{t('action.cancel')}</Button><Button variant="primary" busy={save.isPending} disabled={!values} onClick={() => save.mutate()}>{t('action.save')}</Button></>}>
      {!values ? <Skeleton lines={4} /> : (
        <div className="grid-2 tight">
          {field('caloriesKcal', t('care.calories'), 800, 5000)}
          {field('carbsG', t('care.carbsGoal'), 20, 600)}
          {field('hydrationGlasses', t('care.hydration'), 1, 20)}
          {field('steps', t('care.steps'), 1000, 50000)}
          {field('activeMinutes', t('care.activeMinutes'), 5, 300)}
        </div>
      )}
      <ProblemAlert error={save.error} fields={Object.keys(fe)} />
    </Dialog>
  );
}

/** Nutrition & activity (§8): daily summaries vs goals, meal impact (±2 h), recommendations with disclaimer. */
export default function Nutrition() {
  const t = useT();
  const patientId = useResolvedPatientId(useParams().patientId ?? 'me');
  const rights = useCareRights(patientId);
  const [goals, setGoals] = useState(false);
  useLiveLogs(patientId);
  if (!patientId) return <Skeleton lines={6} />;
  return (
    <>
      <PageHeader title={t('care.nutrition')} description={t('care.nutritionLead')}
        actions={rights.canPlan ? <Button icon="sliders" onClick={() => setGoals(true)}>{t('care.goals')}</Button> : null} />
      <div className="grid-2">
        <div className="g-stack">
          <Today patientId={patientId} />
          <Meals patientId={patientId} canLog={rights.canLog} />
          <Activities patientId={patientId} />
        </div>
        <div className="g-stack">
          <Week patientId={patientId} />
          <Recommendations patientId={patientId} />
        </div>
      </div>
      {goals ? <GoalsDialog patientId={patientId} onClose={() => setGoals(false)} /> : null}
    </>
  );
}
