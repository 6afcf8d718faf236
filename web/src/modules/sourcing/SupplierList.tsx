import { useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, request } from '../../api/client';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { SelectField, TextField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, Skeleton, TableSkeleton } from '../../platform/ui/feedback';
import { Icon } from '../../platform/ui/icons';
import { Badge, Card, PageHeader } from '../../platform/ui/layout';
import { BAND_TONE, STATUS_TONE, certLabel, fmt, sourcingKeys, statusKey, type Material, type Page, type SupplierItem } from './api';
import { MapLegend, SupplierMap, type Bbox, type MapFeature } from './SupplierMap';
import './sourcing.css';

const CERTS = ['fssc_22000', 'brcgs_food', 'ifs_food', 'sqf', 'iso_22000', 'haccp', 'iso_9001', 'iso_14001', 'iso_50001'];
type Sort = 'name' | '-latestScore' | '-updatedAt';

/** Supplier list with map (spec §9): filters, table and map kept in sync; moving the map filters the table. */
export default function SupplierList() {
  const t = useT();
  const { locale, formatDate } = useI18n();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get('q') ?? '');
  const [term, setTerm] = useState(search);
  const [bbox, setBbox] = useState<Bbox | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [sort, setSort] = useState<Sort>('name');
  const status = params.get('status') ?? '';
  const country = params.get('country') ?? '';
  const materialId = params.get('materialId') ?? '';
  const certification = params.get('certification') ?? '';
  const band = params.get('band') ?? '';

  useEffect(() => {
    const timer = setTimeout(() => setTerm(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value); else next.delete(name);
    setParams(next, { replace: true });
  };

  const materials = useQuery({
    queryKey: sourcingKeys.materials,
    queryFn: ({ signal }) => api.get('/api/v1/sourcing/materials', { query: { limit: 200 }, signal }) as unknown as Promise<Page<Material>>,
  });
  const materialName = useMemo(() => new Map((materials.data?.items ?? []).map((m) => [m.id, m.name])), [materials.data]);

  const filters = { term, status, country, materialId, certification, band, bbox: bbox?.join(',') ?? '' };
  const suppliers = useInfiniteQuery({
    queryKey: sourcingKeys.suppliers(filters),
    queryFn: ({ pageParam, signal }) => request<Page<SupplierItem>>('GET', '/api/v1/sourcing/suppliers', {
      query: { q: term || undefined, status: status || undefined, country: country || undefined, materialId: materialId || undefined,
        certification: certification || undefined, band: band || undefined, bbox: filters.bbox || undefined, cursor: pageParam, limit: 25 },
      signal,
    }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const map = useQuery({
    queryKey: [...sourcingKeys.map, materialId],
    queryFn: ({ signal }) => request<{ features: MapFeature[] }>('GET', '/api/v1/sourcing/suppliers/map', { query: { routes: true, materialId: materialId || undefined }, signal }),
  });

  const items = useMemo(() => {
    const all = suppliers.data?.pages.flatMap((p) => p.items) ?? [];
    const by = {
      name: (a: SupplierItem, b: SupplierItem) => a.name.localeCompare(b.name),
      '-latestScore': (a: SupplierItem, b: SupplierItem) => (b.latestScores?.weighted ?? -1) - (a.latestScores?.weighted ?? -1),
      '-updatedAt': (a: SupplierItem, b: SupplierItem) => b.updatedAt.localeCompare(a.updatedAt),
    }[sort];
    return [...all].sort(by);
  }, [suppliers.data, sort]);

  // Features shown on the map follow the status/band/material filters of the table (bbox is the map's own view).
  const visibleIds = useMemo(() => new Set(items.map((s) => s.id)), [items]);
  const narrowed = !!(term || status || country || certification || band) && !bbox;
  const features = useMemo(() => (map.data?.features ?? []).filter((f) => !narrowed || f.properties.kind !== 'site' || visibleIds.has(f.properties.supplierId!)), [map.data, narrowed, visibleIds]);

  const rowRefs = useRef(new Map<string, HTMLTableRowElement>());
  const selectFromMap = (id: string) => {
    setSelected(id);
    rowRefs.current.get(id)?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  };

  const filtered = !!(term || status || country || materialId || certification || band || bbox);
  const clear = () => { setSearch(''); setTerm(''); setBbox(null); setParams(new URLSearchParams(), { replace: true }); };

  return (
    <>
      <PageHeader title={t('sourcing.suppliers')} description={t('sourcing.suppliersLead')}
        actions={<Link className="btn btn-primary" to="/sourcing/assessments/new"><Icon name="plus" size={17} />{t('sourcing.newAssessment')}</Link>} />
      <div className="filters src-filters">
        <div className="search-field">
          <Icon name="search" />
          <TextField label={t('sourcing.search')} type="search" placeholder={t('sourcing.searchPlaceholder')} value={search} onChange={(e) => setSearch(e.target.value)} maxLength={200} name="q" />
        </div>
        <SelectField label={t('sourcing.status')} name="status" value={status} onChange={(e) => setFilter('status', e.target.value)}
          options={[{ value: '', label: t('sourcing.anyStatus') }, ...(['active', 'on_hold', 'blocked', 'archived'] as const).map((s) => ({ value: s, label: t(statusKey(s)) }))]} />
        <TextField label={t('sourcing.country')} name="country" value={country} maxLength={2} placeholder="CA"
          error={country && !/^[A-Z]{2}$/.test(country) ? t('sourcing.countryInvalid') : undefined}
          onChange={(e) => setFilter('country', e.target.value.toUpperCase())} />
        <SelectField label={t('sourcing.material')} name="materialId" value={materialId} onChange={(e) => setFilter('materialId', e.target.value)}
          options={[{ value: '', label: t('sourcing.anyMaterial') }, ...(materials.data?.items ?? []).map((m) => ({ value: m.id, label: m.name }))]} />
        <SelectField label={t('sourcing.certificate')} name="certification" value={certification} onChange={(e) => setFilter('certification', e.target.value)}
          options={[{ value: '', label: t('sourcing.anyCertificate') }, ...CERTS.map((c) => ({ value: c, label: certLabel(c) }))]} />
        <SelectField label={t('sourcing.bandLabel')} name="band" value={band} onChange={(e) => setFilter('band', e.target.value)}
          options={[{ value: '', label: t('sourcing.anyBand') }, { value: 'high', label: t('sourcing.band.high') }, { value: 'medium', label: t('sourcing.band.medium') },
            { value: 'low', label: t('sourcing.band.low') }, { value: 'none', label: t('sourcing.noScore') }]} />
      </div>
      <div className="src-split">
        <div className="src-split-table">
          <div className="src-table-bar">
            <span className="muted small" data-testid="supplier-count">
              {suppliers.isPending ? '' : t('sourcing.shown', { n: items.length })}{suppliers.hasNextPage ? '+' : ''}
              {bbox ? <> · {t('sourcing.inMapArea')} <button className="link-btn" onClick={() => setBbox(null)}>{t('sourcing.resetArea')}</button></> : null}
            </span>
            <div className="segmented" role="group" aria-label={t('sourcing.sortBy')}>
              {(['name', '-latestScore', '-updatedAt'] as Sort[]).map((s) => (
                <button key={s} className={sort === s ? 'active' : ''} aria-pressed={sort === s} onClick={() => setSort(s)}>{t(`sourcing.sort.${s}` as 'sourcing.sort.name')}</button>
              ))}
            </div>
          </div>
          <ProblemAlert error={suppliers.error} onRetry={() => void suppliers.refetch()} />
          {suppliers.isPending ? <TableSkeleton rows={6} columns={5} /> : items.length === 0 && !suppliers.error ? (
            <EmptyState icon="users" title={filtered ? t('sourcing.noMatch') : t('sourcing.noSuppliers')}
              action={filtered ? <Button onClick={clear}>{t('action.clear')}</Button> : undefined}>
              {filtered ? t('sourcing.noMatchHint') : t('sourcing.noSuppliersHint')}
            </EmptyState>
          ) : items.length ? (
            <div className="table-wrap">
              <table className="table src-table" data-testid="suppliers-table">
                <thead>
                  <tr>
                    <th>{t('sourcing.supplier')}</th><th>{t('sourcing.status')}</th><th>{t('sourcing.materials')}</th><th>{t('sourcing.certificates')}</th>
                    <th className="num">{t('sourcing.latestScore')}</th><th className="num">{t('sourcing.otif12m')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((s) => (
                    <tr key={s.id} ref={(el) => { if (el) rowRefs.current.set(s.id, el); else rowRefs.current.delete(s.id); }}
                      className={`clickable${selected === s.id ? ' src-selected' : ''}`} aria-selected={selected === s.id}
                      onClick={() => setSelected(s.id)} onDoubleClick={() => navigate(`/sourcing/suppliers/${s.id}`)} data-testid="supplier-row">
                      <td>
                        <Link to={`/sourcing/suppliers/${s.id}`} className="cell-title" onClick={(e) => e.stopPropagation()}>{s.name}</Link>
                        <div className="muted small">{s.country} · {formatDate(s.updatedAt, 'date')}</div>
                      </td>
                      <td><Badge tone={STATUS_TONE[s.status]}>{t(statusKey(s.status))}</Badge></td>
                      <td className="small">{s.materials.map((m) => materialName.get(m) ?? '…').join(', ') || <span className="muted">—</span>}</td>
                      <td><span className="badges">{s.validCertifications.map((c) => (
                        <Badge key={c} tone={s.expiringCertifications.includes(c) ? 'warning' : 'neutral'} title={s.expiringCertifications.includes(c) ? t('sourcing.expiringSoon') : undefined}>{certLabel(c)}</Badge>
                      ))}</span></td>
                      <td className="num">
                        {s.latestScores ? <><strong>{fmt(s.latestScores.weighted, locale)}</strong><br /><Badge tone={BAND_TONE[s.latestBand ?? 'low']}>{t(`sourcing.band.${s.latestBand ?? 'low'}`)}</Badge></> : <span className="muted" title={t('sourcing.noScore')}>—</span>}
                      </td>
                      <td className="num nowrap">{s.otifPct === null ? <span className="muted">—</span> : `${fmt(s.otifPct, locale)} %`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {suppliers.hasNextPage ? (
            <div className="load-more"><Button busy={suppliers.isFetchingNextPage} onClick={() => void suppliers.fetchNextPage()}>{t('common.loadMore')}</Button></div>
          ) : null}
        </div>
        <Card className="src-split-map" title={t('sourcing.map')} description={t('sourcing.mapHint')}>
          {map.error ? <ProblemAlert error={map.error} onRetry={() => void map.refetch()} /> : map.isPending ? <Skeleton lines={8} height={40} /> : (
            <SupplierMap features={features} selected={selected} onSelect={selectFromMap} onBbox={setBbox} height={460} />
          )}
          <MapLegend />
        </Card>
      </div>
    </>
  );
}
