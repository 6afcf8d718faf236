import { useMemo, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { useInfiniteQuery, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from '../../api/client';
import { ApiError } from '../../api/problem';
import { useAuth } from '../../platform/auth/auth';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Chart } from '../../platform/ui/Chart';
import { EmptyState, ProblemAlert, Skeleton, TableSkeleton } from '../../platform/ui/feedback';
import { Badge, Card, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import {
  BAND_COLOUR, BAND_TONE, PILLARS, STATUS_TONE, bandOf, certLabel, fmt, money, pillarKey, sourcingKeys, statusKey,
  type Audit, type Delivery, type HistoryPoint, type Kpis, type Offer, type Page, type SupplierDetail as Detail,
} from './api';
import { SupplierMap, type MapFeature } from './SupplierMap';
import './sourcing.css';

const TABS = ['overview', 'sites', 'offers', 'certificates', 'deliveries', 'audits', 'history'] as const;
type Tab = (typeof TABS)[number];

function ScoreBar({ value }: { value: number | null | undefined }) {
  const b = bandOf(value);
  return (
    <div className="src-bar-cell">
      <div className="src-bar"><i style={{ width: `${Math.max(0, Math.min(100, value ?? 0))}%`, background: BAND_COLOUR[b ?? 'none'] }} /></div>
      <span>{value == null ? '—' : Math.round(value * 10) / 10}</span>
    </div>
  );
}

/** Month ends of the last twelve months, oldest first (the KPI window is the 12 months before each). */
function monthEnds(): string[] {
  const now = new Date();
  return Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11 + i + 1, 0)).toISOString().slice(0, 10))
    .map((d, i, all) => (i === all.length - 1 ? new Date().toISOString().slice(0, 10) : d));
}

function usePaged<T>(key: unknown[], path: string, query: Record<string, unknown> = {}) {
  return useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam, signal }) => request<Page<T>>('GET', path, { query: { ...query, cursor: pageParam, limit: 25 }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

function PagedTable<T>({ q, empty, head, row }: { q: ReturnType<typeof usePaged<T>>; empty: string; head: ReactNode; row: (item: T) => ReactNode }) {
  const t = useT();
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  if (q.isPending) return <TableSkeleton rows={4} columns={5} />;
  if (q.error) return <ProblemAlert error={q.error} onRetry={() => void q.refetch()} />;
  if (!items.length) return <EmptyState icon="inbox" title={empty} />;
  return (
    <>
      <div className="table-wrap"><table className="table src-table"><thead>{head}</thead><tbody>{items.map(row)}</tbody></table></div>
      {q.hasNextPage ? <div className="load-more"><Button busy={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>{t('common.loadMore')}</Button></div> : null}
    </>
  );
}

function Overview({ s }: { s: Detail }) {
  const t = useT();
  const { locale, formatDate } = useI18n();
  const ends = useMemo(monthEnds, []);
  const trend = useQueries({
    queries: ends.map((asOf) => ({
      queryKey: ['sourcing', 'kpis', s.id, asOf],
      queryFn: ({ signal }: { signal: AbortSignal }) => request<Kpis>('GET', '/api/v1/sourcing/suppliers/{id}/kpis', { params: { id: s.id }, query: { asOf }, signal }),
      staleTime: 5 * 60_000,
    })),
  });
  const k = s.kpis;
  const cards: { key: string; label: string; value: string; series: (x: Kpis) => number | null }[] = [
    { key: 'otif', label: t('sourcing.kpi.otif'), value: k.otifPct == null ? '—' : `${fmt(k.otifPct, locale)} %`, series: (x) => x.otifPct },
    { key: 'otd', label: t('sourcing.kpi.otd'), value: k.otdPct == null ? '—' : `${fmt(k.otdPct, locale)} %`, series: (x) => x.otdPct },
    { key: 'ppm', label: t('sourcing.kpi.ppm'), value: fmt(k.ppm, locale, 0), series: (x) => x.ppm },
    { key: 'lead', label: t('sourcing.kpi.leadMean'), value: k.leadTime.meanDays == null ? '—' : t('sourcing.days', { n: fmt(k.leadTime.meanDays, locale) }), series: (x) => x.leadTime.meanDays },
    { key: 'cv', label: t('sourcing.kpi.leadCv'), value: fmt(k.leadTime.cv, locale, 2), series: (x) => x.leadTime.cv },
  ];
  const ready = trend.every((q) => q.data);
  return (
    <div className="stack">
      <Card title={t('sourcing.latestApproved')} description={s.latestScores ? t('sourcing.latestApprovedHint', { date: formatDate(s.latestScores.approvedAt, 'date') }) : undefined}
        actions={s.latestScores ? <Link to={`/sourcing/assessments/${s.latestScores.assessmentId}`}>{t('sourcing.openAssessment')}</Link> : undefined}>
        {s.latestScores ? (
          <div className="src-pillars" data-testid="pillar-scores">
            {[...PILLARS, 'weighted' as const].map((p) => (
              <div key={p} className="stat">
                <span className="stat-label">{p === 'weighted' ? t('sourcing.weighted') : t(pillarKey(p))}</span>
                <span className="stat-value">{fmt(s.latestScores![p], locale)}</span>
                <ScoreBar value={s.latestScores![p]} />
              </div>
            ))}
          </div>
        ) : <EmptyState icon="info" title={t('sourcing.noApproved')}>{t('sourcing.noApprovedHint')}</EmptyState>}
      </Card>
      <Card title={t('sourcing.kpis')} description={t('sourcing.kpisHint', { n: k.deliveriesCount })}>
        <div className="stats" style={{ gridTemplateColumns: 'repeat(5, minmax(0, 1fr))' }}>
          {cards.map((c) => (
            <div key={c.key} className="stat" data-testid={`kpi-${c.key}`}>
              <span className="stat-label">{c.label}</span>
              <span className="stat-value">{c.value}</span>
            </div>
          ))}
        </div>
        {trend.some((q) => q.error) ? <ProblemAlert error={trend.find((q) => q.error)!.error} /> : !ready ? <Skeleton lines={4} /> : (
          <Chart label={t('sourcing.kpiTrend')} height={220} option={{
            tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 44, right: 44, top: 34, bottom: 28 },
            xAxis: { type: 'category', data: ends.map((d) => d.slice(0, 7)) },
            yAxis: [{ type: 'value', name: '%', min: (v: { min: number }) => Math.max(0, Math.floor((v.min - 5) / 10) * 10), max: 100 }, { type: 'value', name: 'PPM', splitLine: { show: false } }],
            series: [
              { type: 'line', name: t('sourcing.kpi.otif'), data: trend.map((q) => q.data!.otifPct), connectNulls: false },
              { type: 'line', name: t('sourcing.kpi.otd'), data: trend.map((q) => q.data!.otdPct), connectNulls: false },
              { type: 'line', name: 'PPM', yAxisIndex: 1, data: trend.map((q) => q.data!.ppm), connectNulls: false, lineStyle: { type: 'dashed' } },
            ],
          }} />
        )}
      </Card>
    </div>
  );
}

function Sites({ s }: { s: Detail }) {
  const t = useT();
  const { locale } = useI18n();
  const features: MapFeature[] = s.sites.map((x) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [x.longitude, x.latitude] },
    properties: { kind: 'site', supplierId: s.id, siteId: x.id, name: x.name ?? s.name, band: bandOf(s.latestScores?.weighted) } }));
  if (!s.sites.length) return <EmptyState icon="globe" title={t('sourcing.noSites')} />;
  return (
    <div className="grid-2">
      <div className="table-wrap">
        <table className="table src-table">
          <thead><tr><th>{t('sourcing.site')}</th><th>{t('sourcing.country')}</th><th className="num">{t('sourcing.coordinates')}</th><th className="num">{t('sourcing.renewable')}</th><th>{t('sourcing.originRisk')}</th></tr></thead>
          <tbody>{s.sites.map((x) => (
            <tr key={x.id}>
              <td><strong>{x.name ?? '—'}</strong> {x.isPrimary ? <Badge tone="primary">{t('sourcing.primary')}</Badge> : null}</td>
              <td>{x.country}{x.region ? ` · ${x.region}` : ''}</td>
              <td className="num small">{fmt(x.latitude, locale, 4)}, {fmt(x.longitude, locale, 4)}</td>
              <td className="num">{x.renewableEnergyPct == null ? '—' : `${fmt(x.renewableEnergyPct, locale)} %`}</td>
              <td>{x.originRisk ? t(`sourcing.risk.${x.originRisk}` as 'sourcing.risk.low') : <span className="muted">{t('sourcing.countryDefault')}</span>}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      <Card><SupplierMap features={features} height={300} showRoutes={false} /></Card>
    </div>
  );
}

function Offers({ s }: { s: Detail }) {
  const t = useT();
  const { locale, formatDate } = useI18n();
  const q = usePaged<Offer>(['sourcing', 'supplier', s.id, 'offers'], '/api/v1/sourcing/offers', { supplierId: s.id });
  return (
    <PagedTable q={q} empty={t('sourcing.noOffers')}
      head={<tr><th>{t('sourcing.material')}</th><th className="num">{t('sourcing.price')}</th><th className="num">{t('sourcing.moq')}</th><th className="num">{t('sourcing.leadTime')}</th><th className="num">{t('sourcing.capacity')}</th><th>{t('sourcing.validity')}</th><th>{t('sourcing.status')}</th></tr>}
      row={(o) => (
        <tr key={o.id}>
          <td><MaterialName id={o.materialId} /></td>
          <td className="num">{money(o.price, locale, o.currency)}</td>
          <td className="num">{fmt(o.moq, locale, 0)}</td>
          <td className="num">{t('sourcing.days', { n: o.leadTimeDays })}</td>
          <td className="num">{fmt(o.capacityPerYear, locale, 0)}</td>
          <td className="small">{formatDate(o.validFrom, 'date')} → {o.validUntil ? formatDate(o.validUntil, 'date') : '∞'}</td>
          <td><Badge tone={o.status === 'active' ? 'success' : 'neutral'}>{t(`sourcing.offerStatus.${o.status}` as 'sourcing.offerStatus.active')}</Badge></td>
        </tr>
      )} />
  );
}

function MaterialName({ id }: { id: string }) {
  const materials = useQuery({
    queryKey: sourcingKeys.materials,
    queryFn: ({ signal }) => request<Page<{ id: string; name: string }>>('GET', '/api/v1/sourcing/materials', { query: { limit: 200 }, signal }),
  });
  return <>{materials.data?.items.find((m) => m.id === id)?.name ?? '…'}</>;
}

function Certificates({ s }: { s: Detail }) {
  const t = useT();
  const { formatDate } = useI18n();
  const toast = useToast();
  const { hasRole } = useAuth();
  const queryClient = useQueryClient();
  const verify = useMutation({
    mutationFn: (id: string) => request('POST', '/api/v1/sourcing/certifications/{id}/verify', { params: { id }, body: {} }),
    onSuccess: () => { toast(t('sourcing.verified')); void queryClient.invalidateQueries({ queryKey: sourcingKeys.supplier(s.id) }); },
  });
  if (!s.certifications.length) return <EmptyState icon="shield" title={t('sourcing.noCertificates')} />;
  const times = s.certifications.flatMap((c) => [Date.parse(c.validFrom), Date.parse(c.validUntil)]);
  const [lo, hi] = [Math.min(...times, Date.now()), Math.max(...times, Date.now())];
  const pos = (ms: number) => `${((ms - lo) / (hi - lo || 1)) * 100}%`;
  return (
    <>
      {verify.error ? <ProblemAlert error={verify.error} /> : null}
      <div className="table-wrap">
        <table className="table src-table" data-testid="certificates-table">
          <thead><tr><th>{t('sourcing.certificate')}</th><th>{t('sourcing.validity')}</th><th style={{ width: '32%' }}>{t('sourcing.timeline')}</th><th>{t('sourcing.verification')}</th></tr></thead>
          <tbody>{s.certifications.map((c) => {
            const tone = !c.validOnToday ? 'danger' : c.expiresInDays <= 60 ? 'warning' : 'success';
            return (
              <tr key={c.id}>
                <td><strong>{certLabel(c.code)}</strong>{c.grade ? ` · ${c.grade}` : ''}<div className="muted small">{c.issuer ?? ''} {c.certificateNumber ?? ''}</div></td>
                <td className="small">{formatDate(c.validFrom, 'date')} → {formatDate(c.validUntil, 'date')}<div>
                  <Badge tone={tone}>{!c.validOnToday ? (c.expiresInDays < 0 ? t('sourcing.expired') : t('sourcing.notYetValid')) : c.expiresInDays <= 60 ? t('sourcing.expiresIn', { n: c.expiresInDays }) : t('sourcing.valid')}</Badge></div></td>
                <td>
                  <div className="src-timeline" title={`${c.validFrom} → ${c.validUntil}`}>
                    <i style={{ left: pos(Date.parse(c.validFrom)), width: `calc(${pos(Date.parse(c.validUntil))} - ${pos(Date.parse(c.validFrom))})`, background: tone === 'danger' ? '#f3b2ad' : tone === 'warning' ? '#f5d08a' : '#9fdcbf' }} />
                    <b style={{ left: pos(Date.now()) }} title={t('sourcing.today')} />
                  </div>
                </td>
                <td>{c.verifiedAt ? <Badge tone="success">{t('sourcing.verifiedOn', { date: formatDate(c.verifiedAt, 'date') })}</Badge>
                  : hasRole('manager') ? <Button size="sm" icon="check" busy={verify.isPending && verify.variables === c.id} onClick={() => verify.mutate(c.id)}>{t('sourcing.verify')}</Button>
                  : <span className="muted small">{t('sourcing.notVerified')}</span>}</td>
              </tr>
            );
          })}</tbody>
        </table>
      </div>
    </>
  );
}

function Deliveries({ s }: { s: Detail }) {
  const t = useT();
  const { locale, formatDate } = useI18n();
  const q = usePaged<Delivery>(['sourcing', 'supplier', s.id, 'deliveries'], '/api/v1/sourcing/suppliers/{id}/deliveries'.replace('{id}', s.id));
  return (
    <PagedTable q={q} empty={t('sourcing.noDeliveries')}
      head={<tr><th>{t('sourcing.po')}</th><th>{t('sourcing.material')}</th><th>{t('sourcing.promised')}</th><th>{t('sourcing.delivered')}</th><th className="num">{t('sourcing.qtyOrdered')}</th><th className="num">{t('sourcing.qtyAccepted')}</th><th className="num">{t('sourcing.defects')}</th></tr>}
      row={(d) => {
        const late = d.deliveredOn ? d.deliveredOn > d.promisedOn : new Date().toISOString().slice(0, 10) > d.promisedOn;
        return (
          <tr key={d.id}>
            <td className="small">{d.poNumber}</td>
            <td><MaterialName id={d.materialId} /></td>
            <td className="small">{formatDate(d.promisedOn, 'date')}</td>
            <td className="small">{d.deliveredOn ? formatDate(d.deliveredOn, 'date') : <Badge tone={late ? 'danger' : 'neutral'}>{t('sourcing.open')}</Badge>} {d.deliveredOn && late ? <Badge tone="warning">{t('sourcing.late')}</Badge> : null}</td>
            <td className="num">{fmt(d.quantityOrdered, locale, 0)}</td>
            <td className="num">{fmt(d.quantityAccepted, locale, 0)}</td>
            <td className="num">{d.unitsInspected ? `${fmt(d.defectiveUnits, locale, 0)} / ${fmt(d.unitsInspected, locale, 0)}` : '—'}</td>
          </tr>
        );
      }} />
  );
}

function Audits({ s }: { s: Detail }) {
  const t = useT();
  const { formatDate } = useI18n();
  const q = usePaged<Audit>(['sourcing', 'supplier', s.id, 'audits'], `/api/v1/sourcing/suppliers/${s.id}/audits`);
  return (
    <PagedTable q={q} empty={t('sourcing.noAudits')}
      head={<tr><th>{t('sourcing.date')}</th><th>{t('sourcing.kind')}</th><th className="num">{t('sourcing.score')}</th><th className="num">{t('sourcing.findings')}</th><th>{t('sourcing.auditor')}</th></tr>}
      row={(a) => (
        <tr key={a.id}>
          <td>{formatDate(a.auditedOn, 'date')}</td>
          <td>{a.kind ? t(`sourcing.auditKind.${a.kind}` as 'sourcing.auditKind.internal') : '—'}</td>
          <td className="num"><ScoreBar value={a.scorePct} /></td>
          <td className="num small">{t('sourcing.findingsValue', { c: a.criticalFindings, M: a.majorFindings, m: a.minorFindings, o: a.openMajorFindings })}</td>
          <td className="small">{a.auditor ?? '—'}</td>
        </tr>
      )} />
  );
}

function History({ s }: { s: Detail }) {
  const t = useT();
  const { locale, formatDate } = useI18n();
  const q = useQuery({
    queryKey: ['sourcing', 'supplier', s.id, 'history'],
    queryFn: ({ signal }) => request<{ items: HistoryPoint[] }>('GET', `/api/v1/sourcing/suppliers/${s.id}/score-history`, { signal }),
  });
  if (q.isPending) return <Skeleton lines={6} />;
  if (q.error) return <ProblemAlert error={q.error} onRetry={() => void q.refetch()} />;
  const items = q.data.items;
  if (!items.length) return <EmptyState icon="clock" title={t('sourcing.noHistory')}>{t('sourcing.noHistoryHint')}</EmptyState>;
  const x = items.map((i) => i.assessmentDate);
  const fs = (i: HistoryPoint) => `${i.factorSet.source} ${i.factorSet.year} v${i.factorSet.version}`;
  return (
    <div className="stack">
      <Alert note={t('sourcing.economicRelative')} />
      <Card title={t('sourcing.scoreHistory')}>
        <Chart label={t('sourcing.scoreHistory')} height={260} option={{
          tooltip: { trigger: 'axis', formatter: (ps: { dataIndex: number; seriesName: string; value: number }[]) =>
            `${items[ps[0]!.dataIndex]!.title}<br/>${ps.map((p) => `${p.seriesName}: ${p.value}`).join('<br/>')}<br/><span style="color:#888">${t('sourcing.factorSet')}: ${fs(items[ps[0]!.dataIndex]!)}</span>` },
          legend: { top: 0 }, grid: { left: 40, right: 20, top: 34, bottom: 28 },
          xAxis: { type: 'category', data: x }, yAxis: { type: 'value', min: 0, max: 100 },
          series: [
            { type: 'line', name: `${t('sourcing.pillar.economic')} *`, data: items.map((i) => i.economicScore), lineStyle: { type: 'dashed' } },
            { type: 'line', name: t('sourcing.pillar.quality'), data: items.map((i) => i.qualityScore) },
            { type: 'line', name: t('sourcing.pillar.environmental'), data: items.map((i) => i.environmentalScore) },
            { type: 'line', name: t('sourcing.weighted'), data: items.map((i) => i.weightedScore), lineStyle: { width: 3 } },
          ],
        }} />
      </Card>
      <Card title={t('sourcing.costEmissionHistory')}>
        <Chart label={t('sourcing.costEmissionHistory')} height={220} option={{
          tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 56, right: 64, top: 34, bottom: 28 },
          xAxis: { type: 'category', data: x },
          yAxis: [{ type: 'value', name: t('sourcing.tcoPerUnit') }, { type: 'value', name: 'kg CO₂e', splitLine: { show: false } }],
          series: [
            { type: 'line', name: t('sourcing.tcoPerUnit'), data: items.map((i) => i.tcoPerUnit) },
            { type: 'line', name: t('sourcing.kgPerUnit'), yAxisIndex: 1, data: items.map((i) => i.kgCo2ePerUnit) },
          ],
        }} />
      </Card>
      <div className="table-wrap">
        <table className="table src-table">
          <thead><tr><th>{t('sourcing.assessment')}</th><th>{t('sourcing.approvedOn')}</th><th className="num">{t('sourcing.rank')}</th><th className="num">{t('sourcing.weighted')}</th><th>{t('sourcing.factorSet')}</th></tr></thead>
          <tbody>{items.map((i) => (
            <tr key={i.assessmentId}>
              <td><Link to={`/sourcing/assessments/${i.assessmentId}`}>{i.title}</Link> {i.superseded ? <Badge>{t('sourcing.superseded')}</Badge> : null}</td>
              <td className="small">{formatDate(i.approvedAt, 'date')}</td>
              <td className="num">{i.rank} / {i.offersCompared}</td>
              <td className="num">{fmt(i.weightedScore, locale)}</td>
              <td className="small">{fs(i)}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
    </div>
  );
}

function Alert({ note }: { note: string }) {
  return <p className="muted small">* {note}</p>;
}

/** Supplier detail (spec §9): header with status, contacts, EcoVadis as reported, next review; seven tabs. */
export default function SupplierDetail() {
  const { id = '' } = useParams();
  const t = useT();
  const { locale, formatDate } = useI18n();
  const [tab, setTab] = useState<Tab>('overview');
  const q = useQuery({
    queryKey: sourcingKeys.supplier(id),
    queryFn: ({ signal }) => request<Detail>('GET', '/api/v1/sourcing/suppliers/{id}'.replace('{id}', encodeURIComponent(id)), { signal }),
    retry: (n, err) => !(err instanceof ApiError && err.status < 500) && n < 2,
  });
  if (q.isPending) return <><Skeleton lines={2} height={28} /><TableSkeleton rows={5} columns={4} /></>;
  if (q.error) {
    return q.error instanceof ApiError && (q.error.status === 404 || q.error.status === 400)
      ? <EmptyState icon="alert" title={t('sourcing.supplierNotFound')} action={<Link className="btn btn-secondary" to="/sourcing/suppliers">{t('sourcing.backToSuppliers')}</Link>}>{t('sourcing.supplierNotFoundHint')}</EmptyState>
      : <ProblemAlert error={q.error} onRetry={() => void q.refetch()} />;
  }
  const s = q.data;
  return (
    <>
      <Link to="/sourcing/suppliers" className="back-link">← {t('sourcing.backToSuppliers')}</Link>
      <PageHeader title={<>{s.name} <Badge tone={STATUS_TONE[s.status]}>{t(statusKey(s.status))}</Badge>{s.latestScores ? <> <Badge tone={BAND_TONE[bandOf(s.latestScores.weighted)!]}>{fmt(s.latestScores.weighted, locale)}</Badge></> : null}</>}
        description={<span className="src-header-meta">
          <span>{s.legalName ?? s.name} · {s.country}</span>
          {s.contact?.name || s.contact?.email ? <span>{t('sourcing.contact')}: {s.contact?.name} {s.contact?.email ? <a href={`mailto:${s.contact.email}`}>{s.contact.email}</a> : null} {s.contact?.phone ?? ''}</span> : null}
          <span>{t('sourcing.ecovadis')}: {s.ecovadis ? `${s.ecovadis.score}/100${s.ecovadis.medal ? ` (${s.ecovadis.medal})` : ''} — ${t('sourcing.asReported')}` : t('sourcing.notReported')}</span>
          <span>{t('sourcing.nextReview')}: {s.nextReviewOn ? formatDate(s.nextReviewOn, 'date') : '—'}</span>
          <span>{t('sourcing.offersCount', { n: s.activeOffersCount, total: s.offersCount })}</span>
        </span>} />
      {s.statusReason && s.status !== 'active' ? <p className="muted">{s.statusReason}</p> : null}
      <div className="tabs" role="tablist">
        {TABS.map((x) => <button key={x} role="tab" aria-selected={tab === x} className={tab === x ? 'active' : ''} onClick={() => setTab(x)}>{t(`sourcing.tab.${x}` as 'sourcing.tab.overview')}</button>)}
      </div>
      {tab === 'overview' ? <Overview s={s} /> : tab === 'sites' ? <Sites s={s} /> : tab === 'offers' ? <Offers s={s} /> : tab === 'certificates' ? <Certificates s={s} />
        : tab === 'deliveries' ? <Deliveries s={s} /> : tab === 'audits' ? <Audits s={s} /> : <History s={s} />}
    </>
  );
}
