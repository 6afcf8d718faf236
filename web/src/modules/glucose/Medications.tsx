import { useState } from 'react';
import { useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api/client';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Checkbox, SelectField, TextField } from '../../platform/ui/Field';
import { Dialog } from '../../platform/ui/Dialog';
import { Alert, EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Badge, Card, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { useResolvedPatientId, useTick } from './api';
import { careKeys, fromLocalInput, minutesUntil, toLocalInput, useLiveLogs, type Dose, type Plan, type Stock } from './care-api';
import './glucose.css';
import './care-logs.css';

const KINDS = ['oral', 'insulin_rapid', 'insulin_ultra_rapid', 'insulin_long', 'insulin_intermediate', 'insulin_premixed', 'glp1', 'other'] as const;
const UNITS = ['tablet', 'capsule', 'mg', 'mcg', 'ml', 'units', 'puff', 'drop'] as const;
const STATUS_TONE: Record<string, 'neutral' | 'success' | 'warning' | 'danger' | 'info'> = {
  scheduled: 'info', taken: 'success', skipped: 'warning', missed: 'danger', cancelled: 'neutral', ok: 'success', warning: 'warning', critical: 'danger', unknown: 'neutral',
};

/** What the viewer may do for this patient (§2): log intakes (patient, caregiver, admin), edit plans (patient, clinician, admin). */
export function useCareRights(patientId: string | undefined) {
  const { me } = useAuth();
  const self = !!me && me.id === patientId;
  const roles = me?.roles ?? [];
  return {
    self,
    canLog: self || roles.includes('admin') || roles.includes('caregiver'),
    canPlan: self || roles.includes('admin') || roles.includes('clinician'),
  };
}

function pct(v: number | null | undefined) { return v === null || v === undefined ? '—' : `${v.toFixed(1)} %`; }

function AdherenceTiles({ patientId }: { patientId: string }) {
  const t = useT();
  const q = useQuery({ queryKey: careKeys.adherence(patientId), queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/medications/adherence', { params: { patientId } }) });
  if (q.isPending) return <Skeleton lines={2} />;
  if (q.isError) return <ProblemAlert error={q.error} onRetry={() => void q.refetch()} />;
  const a = q.data;
  return (
    <div className="cl-tiles" data-testid="adherence">
      <div className="cl-tile"><span>{t('care.adherence24h')}</span><strong data-testid="adherence-24h">{pct(a.adherence24hPct)}</strong><small>{t('care.takenOfDue', { taken: a.taken24h, due: a.due24h })}</small></div>
      <div className="cl-tile"><span>{t('care.adherence7d')}</span><strong data-testid="adherence-7d">{pct(a.adherence7dPct)}</strong><small>{t('care.takenOfDue', { taken: a.taken7d, due: a.due7d })}</small></div>
      {a.perPlan.filter((p) => p.active).map((p) => (
        <div key={p.planId} className="cl-tile small"><span>{p.name}</span><strong>{pct(p.adherence7dPct)}</strong><small>{t('care.sevenDays')}</small></div>
      ))}
    </div>
  );
}

function Countdown({ dose }: { dose: Dose }) {
  const t = useT();
  useTick(30_000);
  const m = minutesUntil(dose.scheduledAt);
  if (dose.status !== 'scheduled') return null;
  return <span className={`cl-countdown ${m < -120 ? 'critical' : m < -30 ? 'minor' : ''}`}>{m >= 0 ? t('care.inMinutes', { n: m }) : t('care.lateMinutes', { n: -m })}</span>;
}

function TakeDialog({ patientId, dose, onClose }: { patientId: string; dose: Dose; onClose: () => void }) {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [takenAt, setTakenAt] = useState(toLocalInput());
  const [delayReason, setDelayReason] = useState('');
  const save = useMutation({
    mutationFn: () => api.post('/api/v1/glucose/patients/{patientId}/medication-doses/{doseId}/intake', {
      params: { patientId, doseId: dose.id }, body: { status: 'taken', takenAt: fromLocalInput(takenAt), ...(delayReason ? { delayReason } : {}) },
      headers: { 'idempotency-key': crypto.randomUUID() },
    }),
    onSuccess: () => { toast(t('care.recordedTaken', { name: dose.planName ?? '' })); void queryClient.invalidateQueries({ queryKey: careKeys.all(patientId) }); onClose(); },
  });
  const fieldErrors = save.error instanceof ApiError ? save.error.fieldErrors() : {};
  return (
    <Dialog open title={t('care.takeTitle', { name: dose.planName ?? '' })} onClose={onClose}
      footer={<><Button onClick={onClose}>{t('action.cancel')}</Button><Button variant="primary" busy={save.isPending} onClick={() => save.mutate()} data-testid="confirm-take">{t('care.take')}</Button></>}>
      <TextField label={t('care.takenAt')} type="datetime-local" value={takenAt} onChange={(e) => setTakenAt(e.target.value)} />
      <TextField label={t('care.delayReason')} hint={t('care.delayReasonHint')} value={delayReason} maxLength={200} error={fieldErrors.delayReason} onChange={(e) => setDelayReason(e.target.value)} />
      <ProblemAlert error={save.error} fields={['delayReason']} />
    </Dialog>
  );
}

function DoseRow({ patientId, dose, canLog }: { patientId: string; dose: Dose; canLog: boolean }) {
  const t = useT();
  const { formatDate } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [taking, setTaking] = useState(false);
  const done = () => void queryClient.invalidateQueries({ queryKey: careKeys.all(patientId) });
  const act = useMutation({
    mutationFn: async (action: 'skip' | 'undo' | 15 | 30 | 60) => {
      const params = { patientId, doseId: dose.id };
      if (action === 'skip') return api.post('/api/v1/glucose/patients/{patientId}/medication-doses/{doseId}/intake', { params, body: { status: 'skipped' }, headers: { 'idempotency-key': crypto.randomUUID() } });
      if (action === 'undo') return api.delete('/api/v1/glucose/patients/{patientId}/medication-doses/{doseId}/intake', { params });
      return api.post('/api/v1/glucose/patients/{patientId}/medication-doses/{doseId}/reschedule', { params, body: { delayMinutes: action }, headers: { 'idempotency-key': crypto.randomUUID() } });
    },
    onSuccess: (_r, action) => { toast(typeof action === 'number' ? t('care.moved', { n: action }) : action === 'skip' ? t('care.skipped') : t('care.undone')); done(); },
  });
  const open = dose.status === 'scheduled' || (dose.status === 'missed' && Date.now() - Date.parse(dose.scheduledAt) < 24 * 3_600_000);
  return (
    <li data-testid="dose-row" data-status={dose.status}>
      <div className="g-list-main">
        <strong>{dose.planName} · {dose.amount} {dose.unit ? t(`care.unit.${dose.unit}` as 'care.unit.tablet') : ''}</strong>
        <span>
          {formatDate(dose.scheduledAt, 'time')}
          {dose.rescheduleCount > 0 ? ` · ${t('care.movedFrom', { time: formatDate(dose.originalScheduledAt, 'time') })}` : ''}
          {dose.takenAt ? ` · ${t('care.takenAtTime', { time: formatDate(dose.takenAt, 'time') })}` : ''}
          {dose.outOfWindow ? ` · ${t('care.outOfWindow')}` : ''}
          {dose.recordedByName ? ` · ${dose.recordedByName}` : ''}
        </span>
        {act.error ? <ProblemAlert error={act.error} /> : null}
      </div>
      <div className="button-row">
        <Countdown dose={dose} />
        <Badge tone={STATUS_TONE[dose.status] ?? 'neutral'}>{t(`care.status.${dose.status}` as 'care.status.taken')}</Badge>
        {canLog && open ? (
          <>
            <Button size="sm" variant="primary" icon="check" onClick={() => setTaking(true)}>{t('care.take')}</Button>
            <Button size="sm" onClick={() => act.mutate('skip')}>{t('care.skip')}</Button>
          </>
        ) : null}
        {canLog && dose.status === 'scheduled' && dose.rescheduleCount < 2 ? (
          <span className="segmented" aria-label={t('care.reschedule')}>
            {([15, 30, 60] as const).map((n) => <button key={n} type="button" onClick={() => act.mutate(n)} title={t('care.reschedule')}>+{n}′</button>)}
          </span>
        ) : null}
        {canLog && (dose.status === 'taken' || dose.status === 'skipped') ? <Button size="sm" onClick={() => act.mutate('undo')}>{t('care.undo')}</Button> : null}
      </div>
      {taking ? <TakeDialog patientId={patientId} dose={dose} onClose={() => setTaking(false)} /> : null}
    </li>
  );
}

export function TodaySchedule({ patientId, canLog }: { patientId: string; canLog: boolean }) {
  const t = useT();
  const from = new Date(Date.now() - 12 * 3_600_000);
  from.setMinutes(0, 0, 0);
  const q = useQuery({
    queryKey: [...careKeys.doses(patientId), 'today'],
    queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/medication-doses', { params: { patientId }, query: { from: from.toISOString(), to: new Date(Date.now() + 24 * 3_600_000).toISOString(), limit: 200 } }),
  });
  return (
    <Card title={t('care.schedule')} description={t('care.scheduleLead')}>
      {q.isPending ? <Skeleton lines={4} /> : q.isError ? <ProblemAlert error={q.error} onRetry={() => void q.refetch()} /> : q.data.items.filter((d) => d.status !== 'cancelled').length === 0
        ? <EmptyState icon="clock" title={t('care.noDoses')}>{t('care.noDosesLead')}</EmptyState>
        : <ul className="g-list" data-testid="dose-list">{q.data.items.filter((d) => d.status !== 'cancelled').map((d) => <DoseRow key={d.id} patientId={patientId} dose={d} canLog={canLog} />)}</ul>}
    </Card>
  );
}

function PlanDialog({ patientId, plan, onClose }: { patientId: string; plan: Plan | null; onClose: () => void }) {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const s = plan?.schedule as { type: string; times?: string[]; intervalHours?: number; firstDoseAt?: string } | undefined;
  const [v, setV] = useState({
    name: plan?.name ?? '', kind: plan?.kind ?? 'oral', doseAmount: String(plan?.doseAmount ?? '1'), doseUnit: plan?.doseUnit ?? 'tablet',
    type: s?.type ?? 'fixed_times', times: s?.times?.join(', ') ?? '08:00, 20:00', intervalHours: String(s?.intervalHours ?? 12),
    firstDoseAt: s?.firstDoseAt ? toLocalInput(Date.parse(s.firstDoseAt)) : toLocalInput(), startDate: plan?.startDate ?? new Date().toISOString().slice(0, 10),
    endDate: plan?.endDate ?? '', instructions: plan?.instructions ?? '', stockTracking: plan?.stockTracking ?? false, initialStock: '',
  });
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV((x) => ({ ...x, [k]: e.target.value }));
  const schedule = v.type === 'fixed_times' ? { type: 'fixed_times' as const, times: v.times.split(/[,\s]+/).filter(Boolean) }
    : v.type === 'interval' ? { type: 'interval' as const, firstDoseAt: fromLocalInput(v.firstDoseAt), intervalHours: Number(v.intervalHours) } : { type: 'as_needed' as const };
  const save = useMutation({
    mutationFn: () => {
      const common = {
        name: v.name, kind: v.kind as Plan['kind'] & (typeof KINDS)[number], doseAmount: Number(v.doseAmount), doseUnit: v.doseUnit as (typeof UNITS)[number], schedule,
        startDate: v.startDate, endDate: v.endDate || null, instructions: v.instructions || null, stockTracking: v.stockTracking,
      };
      if (plan) return api.patch('/api/v1/glucose/patients/{patientId}/medication-plans/{planId}', { params: { patientId, planId: plan.id }, body: common });
      return api.post('/api/v1/glucose/patients/{patientId}/medication-plans', {
        params: { patientId }, body: { ...common, ...(v.stockTracking && v.initialStock ? { initialStock: Number(v.initialStock) } : {}) }, headers: { 'idempotency-key': crypto.randomUUID() },
      });
    },
    onSuccess: () => { toast(t('care.planSaved')); void queryClient.invalidateQueries({ queryKey: careKeys.all(patientId) }); onClose(); },
  });
  const fe = save.error instanceof ApiError ? save.error.fieldErrors() : {};
  return (
    <Dialog open wide title={plan ? t('care.editPlan') : t('care.newPlan')} onClose={onClose}
      footer={<><Button onClick={onClose}>{t('action.cancel')}</Button><Button variant="primary" busy={save.isPending} onClick={() => save.mutate()} data-testid="save-plan">{t('action.save')}</Button></>}>
      <div className="grid-2 tight">
        <TextField label={t('care.planName')} value={v.name} maxLength={120} required error={fe.name} onChange={set('name')} />
        <SelectField label={t('care.kind')} value={v.kind} onChange={set('kind')} options={KINDS.map((k) => ({ value: k, label: t(`care.kindName.${k}` as 'care.kindName.oral') }))} />
        <TextField label={t('care.doseAmount')} type="number" min={0} step="any" value={v.doseAmount} error={fe.doseAmount} onChange={set('doseAmount')} />
        <SelectField label={t('care.doseUnit')} value={v.doseUnit} onChange={set('doseUnit')} options={UNITS.map((u) => ({ value: u, label: t(`care.unit.${u}` as 'care.unit.tablet') }))} />
        <SelectField label={t('care.scheduleType')} value={v.type} onChange={set('type')} options={(['fixed_times', 'interval', 'as_needed'] as const).map((x) => ({ value: x, label: t(`care.scheduleTypes.${x}` as 'care.scheduleTypes.as_needed') }))} />
        {v.type === 'fixed_times' ? <TextField label={t('care.times')} hint={t('care.timesHint')} value={v.times} error={fe['schedule.times'] ?? fe.schedule} onChange={set('times')} /> : null}
        {v.type === 'interval' ? <TextField label={t('care.intervalHours')} type="number" min={1} max={72} value={v.intervalHours} onChange={set('intervalHours')} /> : null}
        {v.type === 'interval' ? <TextField label={t('care.firstDoseAt')} type="datetime-local" value={v.firstDoseAt} onChange={set('firstDoseAt')} /> : null}
        <TextField label={t('care.startDate')} type="date" value={v.startDate} onChange={set('startDate')} />
        <TextField label={t('care.endDate')} type="date" value={v.endDate} error={fe.endDate} onChange={set('endDate')} />
      </div>
      <TextField label={t('care.instructions')} value={v.instructions} maxLength={500} onChange={set('instructions')} />
      <Checkbox label={t('care.stockTracking')} checked={v.stockTracking} onChange={(c) => setV((x) => ({ ...x, stockTracking: c }))} />
      {v.stockTracking && !plan ? <TextField label={t('care.initialStock')} type="number" min={0} value={v.initialStock} onChange={set('initialStock')} /> : null}
      <ProblemAlert error={save.error} fields={Object.keys(fe)} />
    </Dialog>
  );
}

function Plans({ patientId, canPlan, canLog }: { patientId: string; canPlan: boolean; canLog: boolean }) {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Plan | null | 'new'>(null);
  const q = useQuery({ queryKey: careKeys.plans(patientId), queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/medication-plans', { params: { patientId } }) });
  const prn = useMutation({
    mutationFn: (plan: Plan) => api.post('/api/v1/glucose/patients/{patientId}/medication-plans/{planId}/intakes', { params: { patientId, planId: plan.id }, body: {}, headers: { 'idempotency-key': crypto.randomUUID() } }),
    onSuccess: (_r, plan) => { toast(t('care.recordedTaken', { name: plan.name })); void queryClient.invalidateQueries({ queryKey: careKeys.all(patientId) }); },
  });
  const toggle = useMutation({
    mutationFn: (plan: Plan) => api.patch('/api/v1/glucose/patients/{patientId}/medication-plans/{planId}', { params: { patientId, planId: plan.id }, body: { active: !plan.active } }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: careKeys.all(patientId) }),
  });
  const describe = (p: Plan) => {
    const s = p.schedule as { type: string; times?: string[]; intervalHours?: number };
    return s.type === 'fixed_times' ? (s.times ?? []).join(' · ') : s.type === 'interval' ? t('care.everyHours', { n: s.intervalHours ?? 0 }) : t('care.scheduleTypes.as_needed');
  };
  return (
    <Card title={t('care.plans')} actions={canPlan ? <Button size="sm" icon="plus" onClick={() => setEditing('new')} data-testid="new-plan">{t('care.newPlan')}</Button> : null}>
      {q.isPending ? <Skeleton lines={3} /> : q.isError ? <ProblemAlert error={q.error} onRetry={() => void q.refetch()} /> : q.data.items.length === 0
        ? <EmptyState icon="inbox" title={t('care.noPlans')}>{canPlan ? t('care.noPlansLead') : null}</EmptyState>
        : (
          <ul className="g-list">
            {q.data.items.map((p) => (
              <li key={p.id}>
                <div className="g-list-main">
                  <strong>{p.name} · {p.doseAmount} {t(`care.unit.${p.doseUnit}` as 'care.unit.tablet')}</strong>
                  <span>{t(`care.kindName.${p.kind}` as 'care.kindName.oral')} · {describe(p)}{p.endDate ? ` · ${t('care.until', { date: p.endDate })}` : ''}</span>
                  {p.instructions ? <span>{p.instructions}</span> : null}
                  {p.insulinKind && !['rapid', 'ultra_rapid'].includes(p.insulinKind) ? <span className="cl-muted">{t('care.notInIob')}</span> : null}
                </div>
                <div className="button-row">
                  {!p.active ? <Badge>{t('care.inactive')}</Badge> : null}
                  {canLog && p.active && (p.schedule as { type: string }).type === 'as_needed' ? <Button size="sm" busy={prn.isPending} onClick={() => prn.mutate(p)}>{t('care.takeNow')}</Button> : null}
                  {canPlan ? <Button size="sm" onClick={() => setEditing(p)}>{t('care.edit')}</Button> : null}
                  {canPlan ? <Button size="sm" busy={toggle.isPending && toggle.variables?.id === p.id} onClick={() => toggle.mutate(p)}>{p.active ? t('care.stop') : t('care.resume')}</Button> : null}
                </div>
              </li>
            ))}
          </ul>
        )}
      <ProblemAlert error={prn.error ?? toggle.error} />
      {editing ? <PlanDialog patientId={patientId} plan={editing === 'new' ? null : editing} onClose={() => setEditing(null)} /> : null}
    </Card>
  );
}

function StockCard({ patientId, stock, canLog }: { patientId: string; stock: Stock; canLog: boolean }) {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [amount, setAmount] = useState('');
  const refill = useMutation({
    mutationFn: () => api.post('/api/v1/glucose/patients/{patientId}/medications/stock/{stockId}/adjustments', {
      params: { patientId, stockId: stock.id }, body: { delta: Number(amount), reason: 'refill' }, headers: { 'idempotency-key': crypto.randomUUID() },
    }),
    onSuccess: () => { toast(t('care.refilled')); setAmount(''); void queryClient.invalidateQueries({ queryKey: careKeys.all(patientId) }); },
  });
  return (
    <div className={`cl-stock ${stock.status}`} data-testid="stock-card">
      <div className="cl-stock-head"><strong>{stock.planName}</strong><Badge tone={STATUS_TONE[stock.status]}>{t(`care.stockStatus.${stock.status}` as 'care.stockStatus.ok')}</Badge></div>
      <div className="cl-stock-figure">{stock.daysOfSupply === null ? '—' : t('care.days', { n: stock.daysOfSupply })}</div>
      <small>{t('care.remaining', { n: stock.unitsRemaining, unit: t(`care.unit.${stock.unit}` as 'care.unit.tablet') })}{stock.projectedDepletionDate ? ` · ${t('care.emptyOn', { date: stock.projectedDepletionDate })}` : ''}</small>
      {canLog ? (
        <form className="cl-inline" onSubmit={(e) => { e.preventDefault(); if (Number(amount) > 0) refill.mutate(); }}>
          <input className="input" type="number" min={1} aria-label={t('care.refillAmount')} placeholder={t('care.refillAmount')} value={amount} onChange={(e) => setAmount(e.target.value)} />
          <Button size="sm" type="submit" busy={refill.isPending} disabled={!(Number(amount) > 0)}>{t('care.refill')}</Button>
        </form>
      ) : null}
      <ProblemAlert error={refill.error} />
    </div>
  );
}

function StockList({ patientId, canLog }: { patientId: string; canLog: boolean }) {
  const t = useT();
  const q = useQuery({ queryKey: careKeys.stock(patientId), queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/medications/stock', { params: { patientId } }) });
  return (
    <Card title={t('care.stock')} description={t('care.stockLead')}>
      {q.isPending ? <Skeleton lines={2} /> : q.isError ? <ProblemAlert error={q.error} onRetry={() => void q.refetch()} /> : q.data.items.length === 0
        ? <EmptyState icon="inbox" title={t('care.noStock')} />
        : <div className="cl-stock-grid">{q.data.items.map((s) => <StockCard key={s.id} patientId={patientId} stock={s} canLog={canLog} />)}</div>}
    </Card>
  );
}

/** Medications (§8): plans, today's schedule with countdowns, adherence 24 h / 7 d, stock with days of supply. */
export default function Medications() {
  const t = useT();
  const patientId = useResolvedPatientId(useParams().patientId ?? 'me');
  const rights = useCareRights(patientId);
  useLiveLogs(patientId);
  if (!patientId) return <Skeleton lines={6} />;
  return (
    <>
      <PageHeader title={t('care.medications')} description={t('care.medicationsLead')} />
      {!rights.canLog && !rights.canPlan ? <Alert tone="info">{t('care.readOnly')}</Alert> : null}
      <AdherenceTiles patientId={patientId} />
      <div className="grid-2">
        <TodaySchedule patientId={patientId} canLog={rights.canLog} />
        <div className="g-stack">
          <Plans patientId={patientId} canPlan={rights.canPlan} canLog={rights.canLog} />
          <StockList patientId={patientId} canLog={rights.canLog} />
        </div>
      </div>
    </>
  );
}
