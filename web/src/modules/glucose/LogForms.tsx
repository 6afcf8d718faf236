import { useState, type FormEvent, type ReactNode } from 'react';
import { useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api/client';
import { useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { SelectField, TextField } from '../../platform/ui/Field';
import { Alert, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Card, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { useResolvedPatientId, useUnit } from './api';
import { careKeys, fromLocalInput, toLocalInput, useLiveLogs, type FoodItem } from './care-api';
import { TodaySchedule, useCareRights } from './Medications';
import { ReadingDialog } from './ReadingDialog';
import './glucose.css';
import './care-logs.css';

const TABS = ['meal', 'insulin', 'medication', 'hydration', 'activity', 'steps'] as const;
type Tab = (typeof TABS)[number];

/** One submit flow: server field errors shown inline, the rest above the button. */
function useSubmit(patientId: string, run: () => Promise<unknown>, done: string, reset: () => void) {
  const toast = useToast();
  const queryClient = useQueryClient();
  const m = useMutation({ mutationFn: run, onSuccess: () => { toast(done); reset(); void queryClient.invalidateQueries({ queryKey: careKeys.all(patientId) }); } });
  const fe = m.error instanceof ApiError ? m.error.fieldErrors() : {};
  const onSubmit = (e: FormEvent) => { e.preventDefault(); m.mutate(); };
  return { m, fe, onSubmit };
}

function FormShell({ onSubmit, busy, error, fields, children, testId }: { onSubmit: (e: FormEvent) => void; busy: boolean; error: unknown; fields: string[]; children: ReactNode; testId: string }) {
  const t = useT();
  return (
    <form onSubmit={onSubmit} noValidate className="cl-form" data-testid={testId}>
      {children}
      <ProblemAlert error={error} fields={fields} />
      <Button type="submit" variant="primary" icon="check" busy={busy}>{t('care.save')}</Button>
    </form>
  );
}

function MealForm({ patientId }: { patientId: string }) {
  const t = useT();
  const blank = { takenAt: toLocalInput(), mealType: '', name: '', carbsG: '', proteinG: '', fatG: '', fiberG: '', absorption: '', notes: '' };
  const [v, setV] = useState(blank);
  const [items, setItems] = useState<{ item: FoodItem; portions: number }[]>([]);
  const [q, setQ] = useState('');
  const foods = useQuery({ queryKey: careKeys.foods(q), queryFn: () => api.get('/api/v1/glucose/food-items', { query: { ...(q ? { q } : {}), limit: 12 } }) });
  const num = (s: string) => (s === '' ? undefined : Number(s));
  const { m, fe, onSubmit } = useSubmit(patientId, () => api.post('/api/v1/glucose/patients/{patientId}/meals', {
    params: { patientId }, headers: { 'idempotency-key': crypto.randomUUID() },
    body: {
      takenAt: fromLocalInput(v.takenAt), ...(v.mealType ? { mealType: v.mealType as 'lunch' } : {}), ...(v.name ? { name: v.name } : {}),
      carbsG: num(v.carbsG), proteinG: num(v.proteinG), fatG: num(v.fatG), fiberG: num(v.fiberG), ...(v.absorption ? { absorption: v.absorption as 'fast' } : {}),
      ...(items.length ? { items: items.map((i) => ({ foodItemId: i.item.id, portions: i.portions })) } : {}), ...(v.notes ? { notes: v.notes } : {}),
    },
  }), t('care.mealLogged'), () => { setV({ ...blank, takenAt: toLocalInput() }); setItems([]); });
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV((x) => ({ ...x, [k]: e.target.value }));
  const itemCarbs = items.reduce((s, i) => s + i.item.carbsG * i.portions, 0);
  return (
    <FormShell onSubmit={onSubmit} busy={m.isPending} error={m.error} fields={Object.keys(fe)} testId="meal-form">
      <div className="grid-2 tight">
        <TextField label={t('care.when')} type="datetime-local" value={v.takenAt} error={fe.takenAt} onChange={set('takenAt')} />
        <SelectField label={t('care.mealTypeLabel')} value={v.mealType} onChange={set('mealType')} options={[{ value: '', label: t('care.byTime') }, ...(['breakfast', 'lunch', 'dinner', 'snack', 'hypo_treatment', 'other'] as const).map((x) => ({ value: x, label: t(`care.mealType.${x}` as 'care.mealType.lunch') }))]} />
        <TextField label={t('care.carbsG')} name="carbsG" type="number" min={0} max={500} step="0.1" value={v.carbsG} error={fe.carbsG} hint={items.length ? t('care.fromItems', { n: Math.round(itemCarbs * 10) / 10 }) : undefined} onChange={set('carbsG')} />
        <SelectField label={t('care.absorption')} value={v.absorption} onChange={set('absorption')} options={[{ value: '', label: t('care.absorptionDefault') }, ...(['fast', 'medium', 'slow'] as const).map((x) => ({ value: x, label: t(`care.absorptionName.${x}` as 'care.absorptionName.fast') }))]} />
        <TextField label={t('care.protein')} type="number" min={0} max={300} value={v.proteinG} error={fe.proteinG} onChange={set('proteinG')} />
        <TextField label={t('care.fat')} type="number" min={0} max={300} value={v.fatG} error={fe.fatG} onChange={set('fatG')} />
      </div>
      <TextField label={t('care.mealName')} value={v.name} maxLength={120} onChange={set('name')} />
      <fieldset className="g-fieldset">
        <legend className="g-legend">{t('care.foodPicker')}</legend>
        <input className="input" type="search" placeholder={t('care.searchFood')} aria-label={t('care.searchFood')} value={q} onChange={(e) => setQ(e.target.value)} />
        {foods.isPending ? <Skeleton lines={1} /> : foods.isError ? <ProblemAlert error={foods.error} /> : (
          <div className="cl-chips">
            {foods.data.items.map((f) => (
              <button key={f.id} type="button" className="cl-chip" onClick={() => setItems((xs) => xs.some((x) => x.item.id === f.id) ? xs.map((x) => x.item.id === f.id ? { ...x, portions: x.portions + 1 } : x) : [...xs, { item: f, portions: 1 }])}>
                {f.name} <small>{f.carbsG} g</small>
              </button>
            ))}
          </div>
        )}
        {items.length ? (
          <ul className="cl-picked">
            {items.map((i) => <li key={i.item.id}>{i.portions} × {i.item.name} ({i.item.portionLabel}) <button type="button" className="link" onClick={() => setItems((xs) => xs.filter((x) => x.item.id !== i.item.id))}>{t('care.remove')}</button></li>)}
          </ul>
        ) : null}
      </fieldset>
    </FormShell>
  );
}

function InsulinForm({ patientId }: { patientId: string }) {
  const t = useT();
  const blank = { administeredAt: toLocalInput(), units: '', insulinKind: 'rapid', purpose: 'meal', notes: '' };
  const [v, setV] = useState(blank);
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV((x) => ({ ...x, [k]: e.target.value }));
  const { m, fe, onSubmit } = useSubmit(patientId, () => api.post('/api/v1/glucose/patients/{patientId}/insulin-doses', {
    params: { patientId }, headers: { 'idempotency-key': crypto.randomUUID() },
    body: { administeredAt: fromLocalInput(v.administeredAt), units: Number(v.units), insulinKind: v.insulinKind as 'rapid', purpose: v.purpose as 'meal', ...(v.notes ? { notes: v.notes } : {}) },
  }), t('care.insulinLogged'), () => setV({ ...blank, administeredAt: toLocalInput() }));
  return (
    <FormShell onSubmit={onSubmit} busy={m.isPending} error={m.error} fields={Object.keys(fe)} testId="insulin-form">
      <div className="grid-2 tight">
        <TextField label={t('care.when')} type="datetime-local" value={v.administeredAt} error={fe.administeredAt} onChange={set('administeredAt')} />
        <TextField label={t('care.units')} name="units" type="number" min={0.05} max={100} step="0.05" value={v.units} error={fe.units} onChange={set('units')} />
        <SelectField label={t('care.insulinKind')} value={v.insulinKind} onChange={set('insulinKind')} options={(['rapid', 'ultra_rapid', 'regular', 'intermediate', 'long', 'premixed'] as const).map((x) => ({ value: x, label: t(`care.insulin.${x}` as 'care.insulin.rapid') }))} />
        <SelectField label={t('care.purpose')} value={v.purpose} onChange={set('purpose')} options={(['meal', 'correction', 'basal', 'other'] as const).map((x) => ({ value: x, label: t(`care.purposeName.${x}` as 'care.purposeName.meal') }))} />
      </div>
      {!['rapid', 'ultra_rapid'].includes(v.insulinKind) ? <Alert tone="info">{t('care.notInIob')}</Alert> : null}
      <TextField label={t('care.notes')} value={v.notes} maxLength={500} onChange={set('notes')} />
    </FormShell>
  );
}

function HydrationForm({ patientId }: { patientId: string }) {
  const t = useT();
  const [glasses, setGlasses] = useState('1');
  const { m, fe, onSubmit } = useSubmit(patientId, () => api.post('/api/v1/glucose/patients/{patientId}/hydration', {
    params: { patientId }, headers: { 'idempotency-key': crypto.randomUUID() }, body: { glasses: Number(glasses) },
  }), t('care.hydrationLogged'), () => setGlasses('1'));
  return (
    <FormShell onSubmit={onSubmit} busy={m.isPending} error={m.error} fields={Object.keys(fe)} testId="hydration-form">
      <TextField label={t('care.glasses')} type="number" min={1} max={10} value={glasses} error={fe.glasses} onChange={(e) => setGlasses(e.target.value)} />
    </FormShell>
  );
}

function ActivityForm({ patientId }: { patientId: string }) {
  const t = useT();
  const blank = { activityType: 'walking', intensity: 'moderate', startedAt: toLocalInput(Date.now() - 30 * 60_000), endedAt: toLocalInput(), steps: '', notes: '' };
  const [v, setV] = useState(blank);
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV((x) => ({ ...x, [k]: e.target.value }));
  const { m, fe, onSubmit } = useSubmit(patientId, () => api.post('/api/v1/glucose/patients/{patientId}/activities', {
    params: { patientId }, headers: { 'idempotency-key': crypto.randomUUID() },
    body: { activityType: v.activityType as 'walking', intensity: v.intensity as 'moderate', startedAt: fromLocalInput(v.startedAt), endedAt: fromLocalInput(v.endedAt), ...(v.steps ? { steps: Number(v.steps) } : {}), ...(v.notes ? { notes: v.notes } : {}) },
  }), t('care.activityLogged'), () => setV({ ...blank, startedAt: toLocalInput(Date.now() - 30 * 60_000), endedAt: toLocalInput() }));
  return (
    <FormShell onSubmit={onSubmit} busy={m.isPending} error={m.error} fields={Object.keys(fe)} testId="activity-form">
      <div className="grid-2 tight">
        <SelectField label={t('care.activityTypeLabel')} value={v.activityType} onChange={set('activityType')} options={(['walking', 'running', 'cycling', 'swimming', 'strength', 'yoga', 'other'] as const).map((x) => ({ value: x, label: t(`care.activityType.${x}` as 'care.activityType.walking') }))} />
        <SelectField label={t('care.intensity')} value={v.intensity} onChange={set('intensity')} options={(['low', 'moderate', 'vigorous'] as const).map((x) => ({ value: x, label: t(`care.intensityName.${x}` as 'care.intensityName.low') }))} />
        <TextField label={t('care.start')} type="datetime-local" value={v.startedAt} error={fe.startedAt} onChange={set('startedAt')} />
        <TextField label={t('care.end')} type="datetime-local" value={v.endedAt} error={fe.endedAt} onChange={set('endedAt')} />
        <TextField label={t('care.steps')} type="number" min={0} value={v.steps} onChange={set('steps')} />
      </div>
    </FormShell>
  );
}

function StepsForm({ patientId }: { patientId: string }) {
  const t = useT();
  const today = toLocalInput().slice(0, 10);
  const [v, setV] = useState({ date: today, steps: '', source: 'phone' });
  const { m, fe, onSubmit } = useSubmit(patientId, () => api.put('/api/v1/glucose/patients/{patientId}/steps/{localDate}', {
    params: { patientId, localDate: v.date }, body: { steps: Number(v.steps), source: v.source },
  }), t('care.stepsSaved'), () => setV({ date: today, steps: '', source: 'phone' }));
  return (
    <FormShell onSubmit={onSubmit} busy={m.isPending} error={m.error} fields={Object.keys(fe)} testId="steps-form">
      <div className="grid-2 tight">
        <TextField label={t('care.date')} type="date" value={v.date} onChange={(e) => setV({ ...v, date: e.target.value })} />
        <TextField label={t('care.steps')} type="number" min={0} max={100000} value={v.steps} error={fe.steps} onChange={(e) => setV({ ...v, steps: e.target.value })} />
        <TextField label={t('care.stepsSource')} hint={t('care.stepsSourceHint')} value={v.source} maxLength={40} onChange={(e) => setV({ ...v, source: e.target.value })} />
      </div>
    </FormShell>
  );
}

/** Log (§8): forms for meal (carbs/macros, food picker, absorption), insulin, medication intake, hydration, activity, steps. */
export default function LogForms() {
  const t = useT();
  const unit = useUnit();
  const patientId = useResolvedPatientId(useParams().patientId ?? 'me');
  const rights = useCareRights(patientId);
  const [tab, setTab] = useState<Tab>('meal');
  const [reading, setReading] = useState(false);
  useLiveLogs(patientId);
  if (!patientId) return <Skeleton lines={6} />;
  if (!rights.canLog) return (<><PageHeader title={t('care.log')} /><Alert tone="info">{t('care.readOnly')}</Alert></>);
  return (
    <>
      <PageHeader title={t('care.log')} description={t('care.logLead')} actions={<Button icon="plus" onClick={() => setReading(true)}>{t('care.logReading')}</Button>} />
      <div className="segmented large cl-tabs" role="tablist">
        {TABS.map((x) => <button key={x} type="button" role="tab" aria-selected={tab === x} className={tab === x ? 'active' : ''} onClick={() => setTab(x)}>{t(`care.tab.${x}` as 'care.tab.meal')}</button>)}
      </div>
      {tab === 'medication' ? <TodaySchedule patientId={patientId} canLog /> : (
        <Card>
          {tab === 'meal' ? <MealForm patientId={patientId} /> : null}
          {tab === 'insulin' ? <InsulinForm patientId={patientId} /> : null}
          {tab === 'hydration' ? <HydrationForm patientId={patientId} /> : null}
          {tab === 'activity' ? <ActivityForm patientId={patientId} /> : null}
          {tab === 'steps' ? <StepsForm patientId={patientId} /> : null}
        </Card>
      )}
      <ReadingDialog patientId={patientId} unit={unit} open={reading} onClose={() => setReading(false)} />
    </>
  );
}
