import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useI18n, useT } from '../../platform/i18n';
import { EmptyState, ProblemAlert, TableSkeleton } from '../../platform/ui/feedback';
import { Badge, PageHeader } from '../../platform/ui/layout';
import { SelectField, TextField } from '../../platform/ui/Field';
import { Button } from '../../platform/ui/Button';
import { useTick, useUnit } from './api';
import { arrowOf, formatGlucose } from './units';
import { analyticsKeys } from './analytics-api';
import './glucose.css';
import './analytics.css';

const PAGE = 25;
type Sufficiency = '' | 'true' | 'false';

/** §8 clinician: linked patients sorted by risk (open critical alerts, GRI, % < 54, active %), with the 14-day metrics. */
export default function ClinicianPatients() {
  const t = useT();
  const { locale } = useI18n();
  const unit = useUnit();
  const now = useTick();
  const navigate = useNavigate();
  const [sufficient, setSufficient] = useState<Sufficiency>('');
  const [diabetesType, setDiabetesType] = useState('');
  const [search, setSearch] = useState('');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const filters = { sufficient, diabetesType, search: search.trim(), cursor };
  const list = useQuery({
    queryKey: analyticsKeys.riskList(filters),
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients', {
      query: {
        sort: 'risk', limit: PAGE, cursor,
        ...(sufficient ? { sufficient: sufficient === 'true' } : {}),
        ...(diabetesType ? { diabetesType: diabetesType as 't1' } : {}),
        ...(filters.search ? { search: filters.search } : {}),
      },
      signal,
    }),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
  const reset = () => setCursors([undefined]);
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${new Intl.NumberFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(x)} %`);
  const items = list.data?.items ?? [];
  const filtered = Boolean(sufficient || diabetesType || filters.search);

  return (
    <>
      <PageHeader title={t('clinic.title')} description={t('clinic.lead')} />
      <div className="filters">
        <SelectField label={t('clinic.sufficiency')} name="sufficient" value={sufficient} onChange={(e) => { setSufficient(e.target.value as Sufficiency); reset(); }}
          options={[{ value: '', label: t('clinic.all') }, { value: 'true', label: t('clinic.sufficientOnly') }, { value: 'false', label: t('clinic.insufficientOnly') }]} />
        <SelectField label={t('clinic.diabetesType')} name="diabetesType" value={diabetesType} onChange={(e) => { setDiabetesType(e.target.value); reset(); }}
          options={[{ value: '', label: t('clinic.all') }, ...['t1', 't2', 'gestational', 'other', 'unknown'].map((v) => ({ value: v, label: t(`clinic.type.${v as 't1'}`) }))]} />
        <TextField label={t('clinic.search')} type="search" name="search" value={search} maxLength={100} onChange={(e) => { setSearch(e.target.value); reset(); }} />
      </div>
      <ProblemAlert error={list.error} onRetry={() => void list.refetch()} />
      {list.isPending ? <TableSkeleton rows={8} columns={9} /> : items.length === 0 && !list.error ? (
        <EmptyState icon="users" title={filtered ? t('clinic.noMatch') : t('glucose.noPatients')}>{filtered ? t('clinic.noMatchHint') : t('glucose.noPatientsHint')}</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table ga-table" data-testid="risk-table">
            <thead><tr>
              <th>{t('clinic.patient')}</th><th className="num">{t('trends.gri')}</th><th className="num">{t('trends.inRange')}</th><th className="num">{t('clinic.below54')}</th>
              <th className="num">{t('clinic.below70')}</th><th className="num">{t('trends.gmi')}</th><th className="num">{t('trends.cv')}</th><th className="num">{t('trends.active')}</th>
              <th>{t('clinic.lastReading')}</th><th className="num">{t('clinic.critical')}</th>
            </tr></thead>
            <tbody>{items.map((p) => {
              const s = p.last14d;
              const minutes = p.latest ? Math.max(0, Math.floor((now - new Date(p.latest.measuredAt).getTime()) / 60_000)) : null;
              return (
                <tr key={p.patientId} className="clickable" onClick={() => navigate(`/glucose/patients/${p.patientId}/clinical`)}>
                  <td><Link to={`/glucose/patients/${p.patientId}/clinical`} onClick={(e) => e.stopPropagation()}>{p.displayName}</Link>
                    <div className="muted">{t(`clinic.type.${(p.diabetesType ?? 'unknown') as 't1'}`)}</div></td>
                  <td className="num">{s?.gri !== null && s?.gri !== undefined ? <span className={`ga-zone ga-zone-${s.griZone}`} title={t('clinic.zone', { zone: s.griZone ?? '' })}>{s.gri.toFixed(1)} {s.griZone}</span> : '—'}</td>
                  <td className="num">{pct(s?.tirPct)}</td>
                  <td className="num">{pct(s?.tbr54Pct)}</td>
                  <td className="num">{pct(s?.tbr70Pct)}</td>
                  <td className="num">{pct(s?.gmi)}</td>
                  <td className="num">{pct(s?.cvPct)}</td>
                  <td className="num">{s ? <span className={s.sufficient ? '' : 'g-stale'} title={s.sufficient ? undefined : t('clinic.insufficient')}>{pct(s.activePct)}</span> : '—'}</td>
                  <td className="nowrap">{p.latest ? <>{formatGlucose(p.latest.value, unit, locale)} {arrowOf(p.latest.direction)} <span className="muted">{minutes! < 1 ? t('glucose.justNow') : t('glucose.minutesAgo', { n: minutes! })}</span></> : <span className="muted">{t('glucose.noReading')}</span>}</td>
                  <td className="num">{p.openAlerts && p.openAlerts.critical > 0 ? <Badge tone="danger">{p.openAlerts.critical}</Badge> : '0'}</td>
                </tr>
              );
            })}</tbody>
          </table>
        </div>
      )}
      {items.length > 0 ? (
        <div className="ga-pager">
          <span className="muted">{t('clinic.total', { n: list.data?.total ?? items.length })}</span>
          <Button size="sm" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>{t('trends.previous')}</Button>
          <Button size="sm" disabled={!list.data?.nextCursor} onClick={() => setCursors([...cursors, list.data!.nextCursor!])}>{t('trends.next')}</Button>
        </div>
      ) : null}
    </>
  );
}
