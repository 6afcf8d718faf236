import { useState, type DragEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, type ApiResult } from '../../api/client';
import { useAuth } from '../../platform/auth/auth';
import { useT } from '../../platform/i18n';
import { useTopic } from '../../platform/realtime/stream';
import { Button } from '../../platform/ui/Button';
import { Alert, EmptyState, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { PageHeader } from '../../platform/ui/layout';
import { SelectField } from '../../platform/ui/Field';
import { useToast } from '../../platform/ui/toast';
import { glucoseKeys, useLiveReadings, useRecoverOnReconnect, useTick, useUnit } from './api';
import { widgetViews, type Summary } from './DashboardWidgets';
import './dashboard.css';

type Layout = ApiResult<'/api/v1/glucose/me/dashboard/layout', 'get'>;
type LayoutItem = Layout['layout'][number];
type Widget = ApiResult<'/api/v1/glucose/widgets', 'get'>['items'][number];

const SIZES: Record<string, { w: number; h: number }> = { compact: { w: 1, h: 1 }, normal: { w: 2, h: 1 }, expanded: { w: 4, h: 2 } };
const dashKeys = { layout: ['glucose', 'dashboard', 'layout'] as const, widgets: ['glucose', 'dashboard', 'widgets'] as const };

const cellsOf = (w: LayoutItem) => {
  const s = SIZES[w.size] ?? SIZES.normal;
  const out: string[] = [];
  for (let c = w.column; c < w.column + s.w; c++) for (let r = w.row; r < w.row + s.h; r++) out.push(`${c}:${r}`);
  return out;
};

/** Widgets that share a cell with another one (shown in red while editing; the server refuses them with 422). */
function overlapping(layout: LayoutItem[]): string[] {
  const owner = new Map<string, string>();
  const out = new Set<string>();
  for (const w of layout) {
    for (const k of cellsOf(w)) {
      const other = owner.get(k);
      if (other) { out.add(other); out.add(w.widgetId); } else owner.set(k, w.widgetId);
    }
  }
  return [...out];
}

/** The first free place for a widget of this size, scanning rows top-down. */
function firstFree(layout: LayoutItem[], size: string): { column: number; row: number } {
  const taken = new Set(layout.flatMap(cellsOf));
  const s = SIZES[size] ?? SIZES.normal;
  for (let row = 0; row < 40; row++) {
    for (let column = 0; column + s.w <= 4; column++) {
      if (cellsOf({ widgetId: '', column, row, size, pinned: false }).every((k) => !taken.has(k))) return { column, row };
    }
  }
  return { column: 0, row: 39 };
}

export default function Dashboard() {
  const t = useT();
  const toast = useToast();
  const queryClient = useQueryClient();
  const { me, hasRole } = useAuth();
  const unit = useUnit();
  const now = useTick();
  useRecoverOnReconnect();
  const isPatient = hasRole('patient');
  const [selected, setSelected] = useState<string | undefined>();
  const patients = useQuery({ queryKey: glucoseKeys.patients, queryFn: () => api.get('/api/v1/glucose/patients'), enabled: !isPatient });
  const patientId = isPatient ? me?.id : selected ?? patients.data?.items[0]?.patientId;
  const layout = useQuery({ queryKey: dashKeys.layout, queryFn: () => api.get('/api/v1/glucose/me/dashboard/layout') });
  const widgets = useQuery({ queryKey: dashKeys.widgets, queryFn: () => api.get('/api/v1/glucose/widgets'), staleTime: Infinity });
  const summary = useQuery({
    queryKey: [...glucoseKeys.patient(patientId ?? ''), 'summary'],
    queryFn: () => api.get('/api/v1/glucose/patients/{patientId}/dashboard/summary', { params: { patientId: patientId! } }),
    enabled: !!patientId, refetchInterval: 60_000,
  });
  useLiveReadings(patientId);
  useTopic(me ? `dashboard.refresh:${me.id}` : null, () => {
    void queryClient.invalidateQueries({ queryKey: dashKeys.layout });
    if (patientId) void queryClient.invalidateQueries({ queryKey: glucoseKeys.patient(patientId) });
  });

  const [draft, setDraft] = useState<LayoutItem[] | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (items: LayoutItem[]) => api.put('/api/v1/glucose/me/dashboard/layout', { body: { layout: items }, headers: { 'if-match': `"${layout.data?.version ?? 0}"` } }),
    onSuccess: (saved) => {
      queryClient.setQueryData(dashKeys.layout, saved);
      setDraft(null);
      toast(t('glucose.dash.saved'), 'success');
    },
  });

  const catalog = new Map((widgets.data?.items ?? []).map((w) => [w.widgetId, w] as const));
  const items = draft ?? layout.data?.layout ?? [];
  const editing = draft !== null;
  const rows = Math.max(1, ...items.map((w) => w.row + (SIZES[w.size]?.h ?? 1))) + (editing ? 2 : 0);

  const update = (widgetId: string, change: Partial<LayoutItem>) => setDraft((d) => (d ?? []).map((w) => (w.widgetId === widgetId ? { ...w, ...change } : w)));
  const remove = (widgetId: string) => setDraft((d) => (d ?? []).filter((w) => w.widgetId !== widgetId));
  const add = (widgetId: string) => {
    const def = catalog.get(widgetId);
    if (!def) return;
    setDraft((d) => [...(d ?? []), { widgetId, size: def.defaultSize, pinned: false, ...firstFree(d ?? [], def.defaultSize) }]);
  };
  const drop = (column: number, row: number) => (e: DragEvent) => {
    e.preventDefault();
    const id = dragging ?? e.dataTransfer.getData('text/plain');
    if (id) update(id, { column, row });
    setDragging(null);
  };

  const conflict = save.error instanceof ApiError && save.error.status === 409;
  const overlap = editing ? overlapping(items) : [];
  const addable = (widgets.data?.items ?? []).filter((w) => !items.some((i) => i.widgetId === w.widgetId));

  return (
    <div className="page dash-page">
      <PageHeader
        title={t('glucose.dash.title')}
        description={t('glucose.dash.lead')}
        actions={editing ? (
          <>
            <Button variant="secondary" onClick={() => { setDraft(null); save.reset(); }}>{t('action.cancel')}</Button>
            <Button variant="primary" busy={save.isPending} onClick={() => save.mutate(items)} data-testid="save-layout">{t('glucose.dash.saveLayout')}</Button>
          </>
        ) : (
          <Button icon="sliders" onClick={() => layout.data && setDraft(layout.data.layout)} disabled={!layout.data} data-testid="edit-layout">{t('glucose.dash.editLayout')}</Button>
        )}
      />
      {!isPatient && (patients.data?.items.length ?? 0) > 0 ? (
        <div className="dash-patient-picker">
          <SelectField label={t('glucose.dash.patient')} value={patientId ?? ''} onChange={(e) => setSelected(e.target.value)}
            options={(patients.data?.items ?? []).map((p) => ({ value: p.patientId, label: p.displayName }))} />
        </div>
      ) : null}
      {editing ? (
        <Alert tone="info" title={t('glucose.dash.editingTitle')}>
          {t('glucose.dash.editingHint')}
          {addable.length ? (
            <div className="dash-add">
              <SelectField label={t('glucose.dash.addWidget')} value="" onChange={(e) => add(e.target.value)} data-testid="add-widget"
                options={[{ value: '', label: t('glucose.dash.chooseWidget') }, ...addable.map((w) => ({ value: w.widgetId, label: w.title }))]} />
            </div>
          ) : null}
        </Alert>
      ) : null}
      {save.error ? (
        <div data-testid="layout-error">
          <ProblemAlert error={save.error} fields={[]} />
          {conflict ? <Button size="sm" onClick={() => { void layout.refetch(); setDraft(null); save.reset(); }}>{t('glucose.dash.reload')}</Button> : null}
        </div>
      ) : null}
      {layout.isError ? <ProblemAlert error={layout.error} onRetry={() => void layout.refetch()} /> : null}
      {summary.isError ? <ProblemAlert error={summary.error} onRetry={() => void summary.refetch()} /> : null}
      {layout.isPending ? <Skeleton lines={6} height={40} /> : !isPatient && patients.data && patients.data.items.length === 0 && !editing ? (
        <EmptyState icon="users" title={t('glucose.dash.noPatientsTitle')}>{t('glucose.dash.noPatients')}</EmptyState>
      ) : (
        <div className={`dash-grid${editing ? ' editing' : ''}`} style={{ gridTemplateRows: `repeat(${rows}, minmax(${editing ? 120 : 140}px, auto))` }} data-testid="dashboard-grid">
          {editing ? Array.from({ length: rows * 4 }, (_, i) => {
            const column = i % 4; const row = Math.floor(i / 4);
            return <div key={`cell-${i}`} className="dash-cell" style={{ gridColumn: column + 1, gridRow: row + 1 }} onDragOver={(e) => e.preventDefault()} onDrop={drop(column, row)} data-cell={`${column}:${row}`} />;
          }) : null}
          {items.map((item) => {
            const def: Widget | undefined = catalog.get(item.widgetId);
            const size = SIZES[item.size] ?? SIZES.normal;
            const View = widgetViews[item.widgetId];
            return (
              <section key={item.widgetId} className={`card dash-widget${overlap.includes(item.widgetId) ? ' invalid' : ''}`} data-widget={item.widgetId}
                style={{ gridColumn: `${item.column + 1} / span ${size.w}`, gridRow: `${item.row + 1} / span ${size.h}` }}
                draggable={editing} onDragStart={(e) => { setDragging(item.widgetId); e.dataTransfer.setData('text/plain', item.widgetId); }} onDragEnd={() => setDragging(null)}>
                <header className="dash-widget-head">
                  <h2>{def?.title ?? item.widgetId}</h2>
                  {editing ? (
                    <div className="dash-tools">
                      <button type="button" aria-label={t('glucose.dash.left')} onClick={() => update(item.widgetId, { column: Math.max(0, item.column - 1) })}>←</button>
                      <button type="button" aria-label={t('glucose.dash.right')} onClick={() => update(item.widgetId, { column: item.column + 1 })}>→</button>
                      <button type="button" aria-label={t('glucose.dash.up')} onClick={() => update(item.widgetId, { row: Math.max(0, item.row - 1) })}>↑</button>
                      <button type="button" aria-label={t('glucose.dash.down')} onClick={() => update(item.widgetId, { row: item.row + 1 })}>↓</button>
                      {def && def.allowedSizes.length > 1 ? (
                        <select aria-label={t('glucose.dash.size')} value={item.size} onChange={(e) => update(item.widgetId, { size: e.target.value })}>
                          {def.allowedSizes.map((s) => <option key={s} value={s}>{t(`glucose.dash.size.${s}` as 'glucose.dash.size.normal')}</option>)}
                        </select>
                      ) : null}
                      {def?.hideable !== false ? <button type="button" aria-label={t('glucose.dash.hide', { name: def?.title ?? item.widgetId })} onClick={() => remove(item.widgetId)}>✕</button> : null}
                    </div>
                  ) : null}
                </header>
                <div className="dash-widget-body">
                  {editing ? <p className="muted small">{def?.description}</p>
                    : !patientId ? <p className="muted">{t('glucose.dash.noPatients')}</p>
                    : View ? <View patientId={patientId} summary={summary.data as Summary | undefined} unit={unit} now={now} size={item.size} />
                    : <p className="muted small">{def?.description ?? t('glucose.dash.unavailable')}</p>}
                </div>
              </section>
            );
          })}
        </div>
      )}
    </div>
  );
}
