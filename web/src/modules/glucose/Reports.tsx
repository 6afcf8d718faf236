import { useState, type FormEvent } from 'react';
import { useParams } from 'react-router';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type ApiResult } from '../../api/client';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import { useTopic } from '../../platform/realtime/stream';
import { Button } from '../../platform/ui/Button';
import { Checkbox, SelectField, TextField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, TableSkeleton } from '../../platform/ui/feedback';
import { Badge, Card, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { glucoseKeys, useUnit } from './api';
import './dashboard.css';

type Job = ApiResult<'/api/v1/glucose/reports/{jobId}', 'get'>;
type Kind = 'agp-pdf' | 'export-csv' | 'export-xlsx';
const DATASETS = ['readings', 'meals', 'insulin', 'medications', 'activity', 'alerts', 'metrics'] as const;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** A local date at local midnight, as an ISO instant (the server reads instants). */
const localMidnight = (day: string) => new Date(`${day}T00:00:00`).toISOString();

function statusTone(status: string) {
  return status === 'ready' ? 'success' : status === 'failed' ? 'danger' : status === 'expired' ? 'neutral' : 'info';
}

function formatBytes(n: number | null) {
  if (n === null) return '';
  return n > 1_048_576 ? `${(n / 1_048_576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} kB`;
}

export default function Reports() {
  const t = useT();
  const { locale } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const { me, hasRole } = useAuth();
  const preferred = useUnit();
  const params = useParams();
  const isPatient = hasRole('patient');
  const patients = useQuery({ queryKey: glucoseKeys.patients, queryFn: () => api.get('/api/v1/glucose/patients'), enabled: !isPatient && !params.patientId });
  const [picked, setPicked] = useState<string | undefined>();
  const patientId = params.patientId ?? (isPatient ? 'me' : picked ?? patients.data?.items[0]?.patientId);

  const today = Date.now();
  const [kind, setKind] = useState<Kind>('agp-pdf');
  const [from, setFrom] = useState(isoDay(today - 14 * 86_400_000));
  const [to, setTo] = useState(isoDay(today - 86_400_000));
  const [unit, setUnit] = useState<'mg/dL' | 'mmol/L'>(preferred);
  const [paper, setPaper] = useState<'a4' | 'letter'>('a4');
  const [include, setInclude] = useState<string[]>([...DATASETS]);
  const [fieldError, setFieldError] = useState<string | null>(null);

  const listKey = ['glucose', 'reports', patientId ?? ''] as const;
  const list = useInfiniteQuery({
    queryKey: listKey,
    enabled: !!patientId,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => api.get('/api/v1/glucose/patients/{patientId}/reports', { params: { patientId: patientId! }, query: { cursor: pageParam, limit: 10 } }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // progress is polled while a job is in preparation; report.ready / report.failed events refresh at once
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((j) => j.status === 'queued' || j.status === 'running')) ? 1500 : false),
  });
  useTopic(me ? `glucose.reports:${me.id}` : null, (event) => {
    void queryClient.invalidateQueries({ queryKey: ['glucose', 'reports'] });
    if (event === 'report.ready') toast(t('glucose.reports.readyToast'), 'success');
  });

  const request = useMutation({
    mutationFn: () => {
      const [k, format] = kind.split('-') as ['agp' | 'export', 'pdf' | 'csv' | 'xlsx'];
      return api.post('/api/v1/glucose/patients/{patientId}/reports', {
        params: { patientId: patientId! },
        body: { kind: k, format, from: localMidnight(from), to: localMidnight(isoDay(Date.parse(to) + 86_400_000)), unit, paper, ...(k === 'export' ? { include: include as typeof DATASETS[number][] } : {}) },
        headers: { 'idempotency-key': crypto.randomUUID() },
      });
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['glucose', 'reports'] }),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFieldError(null);
    if (!from || !to || Date.parse(to) < Date.parse(from)) { setFieldError(t('glucose.reports.rangeOrder')); return; }
    if ((Date.parse(to) - Date.parse(from)) / 86_400_000 + 1 > 90) { setFieldError(t('glucose.reports.rangeMax')); return; }
    if (kind !== 'agp-pdf' && include.length === 0) { setFieldError(t('glucose.reports.includeOne')); return; }
    request.mutate();
  };

  const jobs: Job[] = list.data?.pages.flatMap((p) => p.items) ?? [];
  const dateFmt = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric' });
  const timeFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' });

  return (
    <div className="page">
      <PageHeader title={t('glucose.reports.title')} description={t('glucose.reports.lead')} />
      {!isPatient && !params.patientId && (patients.data?.items.length ?? 0) > 0 ? (
        <div className="dash-patient-picker">
          <SelectField label={t('glucose.dash.patient')} value={patientId ?? ''} onChange={(e) => setPicked(e.target.value)}
            options={(patients.data?.items ?? []).map((p) => ({ value: p.patientId, label: p.displayName }))} />
        </div>
      ) : null}
      {!patientId && !patients.isPending ? <EmptyState icon="users" title={t('glucose.dash.noPatientsTitle')}>{t('glucose.dash.noPatients')}</EmptyState> : (
        <>
          <Card className="rep-card" title={t('glucose.reports.new')} description={t('glucose.reports.newLead')}>
            <form onSubmit={submit} noValidate>
              <div className="rep-form">
                <SelectField label={t('glucose.reports.kind')} value={kind} onChange={(e) => setKind(e.target.value as Kind)} data-testid="report-kind"
                  options={[{ value: 'agp-pdf', label: t('glucose.reports.kind.agp') }, { value: 'export-csv', label: t('glucose.reports.kind.csv') }, { value: 'export-xlsx', label: t('glucose.reports.kind.xlsx') }]} />
                <TextField label={t('glucose.reports.from')} type="date" value={from} max={isoDay(today)} onChange={(e) => setFrom(e.target.value)} />
                <TextField label={t('glucose.reports.to')} type="date" value={to} max={isoDay(today)} onChange={(e) => setTo(e.target.value)} error={fieldError ?? undefined} />
                <SelectField label={t('glucose.reports.unit')} value={unit} onChange={(e) => setUnit(e.target.value as 'mg/dL' | 'mmol/L')} options={[{ value: 'mg/dL', label: 'mg/dL' }, { value: 'mmol/L', label: 'mmol/L' }]} />
                {kind === 'agp-pdf' ? (
                  <SelectField label={t('glucose.reports.paper')} value={paper} onChange={(e) => setPaper(e.target.value as 'a4' | 'letter')} options={[{ value: 'a4', label: 'A4' }, { value: 'letter', label: 'Letter' }]} />
                ) : null}
              </div>
              {kind !== 'agp-pdf' ? (
                <fieldset className="rep-include">
                  <legend className="small">{t('glucose.reports.include')}</legend>
                  {DATASETS.map((d) => (
                    <Checkbox key={d} label={t(`glucose.reports.dataset.${d}`)} checked={include.includes(d)}
                      onChange={(on) => setInclude((cur) => (on ? [...cur, d] : cur.filter((x) => x !== d)))} />
                  ))}
                </fieldset>
              ) : null}
              <ProblemAlert error={request.error} fields={['from', 'to', 'include', 'format']} />
              <div className="form-actions">
                <Button type="submit" variant="primary" icon="download" busy={request.isPending} data-testid="request-report">{t('glucose.reports.request')}</Button>
              </div>
            </form>
          </Card>

          <Card title={t('glucose.reports.history')}>
            {list.isPending ? <TableSkeleton rows={3} columns={5} /> : list.isError ? <ProblemAlert error={list.error} onRetry={() => void list.refetch()} />
              : jobs.length === 0 ? <EmptyState icon="inbox" title={t('glucose.reports.none')}>{t('glucose.reports.noneHint')}</EmptyState> : (
                <>
                  <table className="rep-table" data-testid="report-jobs">
                    <thead><tr><th>{t('glucose.reports.kind')}</th><th>{t('glucose.reports.period')}</th><th>{t('glucose.reports.requested')}</th><th>{t('glucose.reports.status')}</th><th /></tr></thead>
                    <tbody>
                      {jobs.map((j) => (
                        <tr key={j.jobId} data-status={j.status}>
                          <td>{j.kind === 'agp' ? t('glucose.reports.kind.agp') : j.format === 'csv' ? t('glucose.reports.kind.csv') : t('glucose.reports.kind.xlsx')} <span className="muted small">{j.unit}</span></td>
                          <td>{dateFmt.format(new Date(j.from))} – {dateFmt.format(new Date(Date.parse(j.to) - 1))}</td>
                          <td className="small">{timeFmt.format(new Date(j.createdAt))}</td>
                          <td>
                            <Badge tone={statusTone(j.status)}>{t(`glucose.reports.state.${j.status}`)}</Badge>
                            {j.status === 'queued' || j.status === 'running' ? <div className="rep-progress" aria-label={t('glucose.reports.progress', { pct: j.progress })}><span style={{ width: `${j.progress}%` }} /></div> : null}
                            {j.error ? <div className="small muted">{t(`glucose.reports.error.${j.error.code}` as 'glucose.reports.error.no_data')}</div> : null}
                          </td>
                          <td>
                            {j.downloadUrl ? <a className="btn btn-sm btn-secondary" href={j.downloadUrl} download data-testid="download-report">{t('glucose.reports.download')} <span className="muted small">{formatBytes(j.fileBytes)}</span></a> : null}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {list.hasNextPage ? <Button size="sm" busy={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>{t('glucose.reports.more')}</Button> : null}
                  <p className="small muted">{t('glucose.reports.linkHint')}</p>
                </>
              )}
          </Card>
        </>
      )}
    </div>
  );
}
