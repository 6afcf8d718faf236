import { useEffect, useState } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, request } from '../../api/client';
import { useI18n } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Dialog } from '../../platform/ui/Dialog';
import { Checkbox, SelectField, TextField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, TableSkeleton } from '../../platform/ui/feedback';
import { Badge, Card, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { OPS_BACKUPS, backupKeys, formatBytes, type Backup, type BackupConfig, type Page, type StorageStats } from './backups-api';
import './operations-office.css';
import './operations-backups.css';

const statusTone = (s: string) => (s === 'completed' ? 'success' : s === 'running' ? 'info' : s === 'deleted' ? 'neutral' : 'danger');
const verifyTone = (s: string) => (s === 'passed' ? 'success' : s === 'failed' ? 'danger' : 'neutral');

type ConfigForm = { name: string; storageKind: 'local' | 's3'; directory: string; endpoint: string; bucket: string; prefix: string; credentialsRef: string; cron: string; timezone: string; keepDaily: string; keepWeekly: string; keepMonthly: string; keepYearly: string; compressionLevel: string; enabled: boolean; verifyAfterWrite: boolean };

function toForm(c?: BackupConfig): ConfigForm {
  const s = c?.storage;
  return {
    name: c?.name ?? '', storageKind: s?.kind ?? 'local', directory: s?.kind === 'local' ? s.directory ?? '' : '', endpoint: s?.kind === 's3' ? s.endpoint ?? '' : '',
    bucket: s?.kind === 's3' ? s.bucket : '', prefix: s?.kind === 's3' ? s.prefix ?? '' : '', credentialsRef: s?.kind === 's3' ? s.credentialsRef ?? '' : '',
    cron: c?.cron ?? '0 4 * * *', timezone: c?.timezone ?? 'Europe/Paris', keepDaily: String(c?.keepDaily ?? 7), keepWeekly: String(c?.keepWeekly ?? 4),
    keepMonthly: String(c?.keepMonthly ?? 12), keepYearly: String(c?.keepYearly ?? 0), compressionLevel: String(c?.compressionLevel ?? 6), enabled: c?.enabled ?? true, verifyAfterWrite: c?.verifyAfterWrite ?? true,
  };
}

/** Backups (spec §9.8): per-config catalogue, run now, verify, pin, delete (step-up), retention preview, storage stats, config editor. */
export default function Backups() {
  const { t, formatDate } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const [configId, setConfigId] = useState<string>('');
  const [editing, setEditing] = useState<BackupConfig | 'new' | null>(null);
  const [form, setForm] = useState<ConfigForm>(toForm());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [deleting, setDeleting] = useState<Backup | null>(null);
  const [confirm, setConfirm] = useState('');
  const [preview, setPreview] = useState<{ keep: { backupId: string; reasons: string[] }[]; delete: string[] } | null>(null);

  const [pending, setPending] = useState(false);
  const configs = useQuery({ queryKey: backupKeys.configs, queryFn: ({ signal }) => request<BackupConfig[]>('GET', `${OPS_BACKUPS}/backup-configs`, { signal }) });
  useEffect(() => { if (!configId && configs.data?.length) setConfigId((configs.data.find((c) => c.isDefault) ?? configs.data[0]).id); }, [configs.data, configId]);
  const stats = useQuery({ queryKey: backupKeys.stats, queryFn: ({ signal }) => request<StorageStats[]>('GET', `${OPS_BACKUPS}/backup-storage/stats`, { signal }) });
  const list = useInfiniteQuery({
    queryKey: backupKeys.list(configId), enabled: !!configId,
    queryFn: ({ pageParam, signal }) => request<Page<Backup>>('GET', `${OPS_BACKUPS}/backups`, { query: { configId, cursor: pageParam, limit: 25 }, signal }),
    initialPageParam: undefined as string | undefined, getNextPageParam: (last) => last.nextCursor ?? undefined,
    // While a backup runs or a verification is pending, poll; the jobs finish in seconds to minutes.
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((b) => b.status === 'running')) || pending ? 2000 : false),
  });
  useEffect(() => { if (!pending) return; const timer = setTimeout(() => setPending(false), 120_000); return () => clearTimeout(timer); }, [pending]);
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const refresh = () => { void qc.invalidateQueries({ queryKey: backupKeys.all }); };

  const run = useMutation({
    mutationFn: () => request<{ backupId: string }>('POST', `${OPS_BACKUPS}/backups`, { body: { configId } }),
    onSuccess: () => { toast(t('opsBackups.started')); setPending(true); refresh(); },
  });
  const action = useMutation({
    mutationFn: ({ b, what }: { b: Backup; what: 'verify' | 'pin' | 'unpin' | 'restore-verify' }) => what === 'restore-verify'
      ? request('POST', `${OPS_BACKUPS}/restore-verifications`, { body: { backupId: b.id } })
      : request('POST', `${OPS_BACKUPS}/backups/${b.id}/${what}`),
    onSuccess: (_r, v) => { toast(t(v.what === 'pin' || v.what === 'unpin' ? 'operations.saved' : 'opsBackups.verifyStarted')); setPending(true); refresh(); },
  });
  const remove = useMutation({
    mutationFn: () => request('DELETE', `${OPS_BACKUPS}/backups/${deleting!.id}`, { body: { confirm } }),
    onSuccess: () => { setDeleting(null); toast(t('opsBackups.deleted')); refresh(); },
  });
  const retention = useMutation({
    mutationFn: () => request<{ keep: { backupId: string; reasons: string[] }[]; delete: string[] }>('POST', `${OPS_BACKUPS}/backups/retention/preview`, { body: { configId } }),
    onSuccess: setPreview,
  });
  const applyRetention = useMutation({
    mutationFn: () => request('POST', `${OPS_BACKUPS}/backups/retention/run`, { body: { configId } }),
    onSuccess: () => { setPreview(null); toast(t('opsBackups.retentionStarted')); setPending(true); refresh(); },
  });
  const save = useMutation({
    mutationFn: () => {
      const storage = form.storageKind === 'local'
        ? { kind: 'local', ...(form.directory.trim() ? { directory: form.directory.trim() } : {}) }
        : { kind: 's3', bucket: form.bucket.trim(), forcePathStyle: true, ...(form.endpoint.trim() ? { endpoint: form.endpoint.trim() } : {}), ...(form.prefix.trim() ? { prefix: form.prefix.trim() } : {}), ...(form.credentialsRef.trim() ? { credentialsRef: form.credentialsRef.trim() } : {}) };
      const body = {
        name: form.name.trim(), storage, cron: form.cron.trim(), timezone: form.timezone.trim(), enabled: form.enabled, verifyAfterWrite: form.verifyAfterWrite,
        keepDaily: Number(form.keepDaily), keepWeekly: Number(form.keepWeekly), keepMonthly: Number(form.keepMonthly), keepYearly: Number(form.keepYearly), compressionLevel: Number(form.compressionLevel),
      };
      return editing === 'new' ? request<BackupConfig>('POST', `${OPS_BACKUPS}/backup-configs`, { body })
        : request<BackupConfig>('PATCH', `${OPS_BACKUPS}/backup-configs/${(editing as BackupConfig).id}`, { body: { ...body, version: (editing as BackupConfig).version } });
    },
    onSuccess: (c) => { setEditing(null); setConfigId(c.id); toast(t('operations.saved')); refresh(); },
    onError: (err) => { if (err instanceof ApiError) setErrors(err.fieldErrors()); },
  });
  const submit = () => {
    const e: Record<string, string> = {};
    if (!form.name.trim()) e.name = t('operations.required');
    for (const k of ['keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const) if (!/^\d{1,4}$/.test(form[k]) || Number(form[k]) > 1000) e[k] = t('opsBackups.keepInvalid');
    if (!/^[0-9]$/.test(form.compressionLevel)) e.compressionLevel = t('opsBackups.compressionInvalid');
    if (form.storageKind === 's3' && form.bucket.trim().length < 3) e.bucket = t('operations.required');
    if (form.cron.trim().split(/\s+/).length !== 5) e.cron = t('opsBackups.cronInvalid');
    setErrors(e);
    if (!Object.keys(e).length) save.mutate();
  };
  const f = (name: keyof ConfigForm) => ({ name, value: String(form[name]), error: errors[name], onChange: (ev: { target: { value: string } }) => setForm({ ...form, [name]: ev.target.value }) });
  const current = configs.data?.find((c) => c.id === configId);
  const reasons = new Map(preview?.keep.map((k) => [k.backupId, k.reasons]) ?? []);

  return (
    <>
      <PageHeader title={t('opsBackups.title')} description={t('opsBackups.lead')}
        actions={<div className="button-row">
          <Button icon="plus" onClick={() => { setEditing('new'); setForm(toForm()); setErrors({}); }}>{t('opsBackups.newConfig')}</Button>
          {current ? <Button icon="sliders" onClick={() => { setEditing(current); setForm(toForm(current)); setErrors({}); }}>{t('opsBackups.editConfig')}</Button> : null}
          <Button variant="primary" icon="play" busy={run.isPending} disabled={!configId} onClick={() => run.mutate()} data-testid="run-backup">{t('opsBackups.runNow')}</Button>
        </div>} />
      <ProblemAlert error={configs.error ?? list.error ?? run.error ?? action.error ?? applyRetention.error} onRetry={() => { void configs.refetch(); void list.refetch(); }} />
      {configs.isSuccess && configs.data.length === 0 ? <EmptyState icon="shield" title={t('opsBackups.noConfig')}>{t('opsBackups.noConfigHint')}</EmptyState> : null}
      {stats.data?.length ? (
        <div className="ops-backup-stats">
          {stats.data.map((s) => (
            <Card key={s.configId} title={s.name} className={s.configId === configId ? 'is-selected' : undefined}>
              <dl className="ops-dl">
                <dt>{t('opsBackups.storage')}</dt><dd>{s.kind}</dd>
                <dt>{t('opsBackups.count')}</dt><dd>{s.count}</dd>
                <dt>{t('opsBackups.totalSize')}</dt><dd>{formatBytes(s.totalBytes)}</dd>
                <dt>{t('opsBackups.newest')}</dt><dd>{formatDate(s.newest, 'relative')}</dd>
                <dt>{t('opsBackups.free')}</dt><dd>{s.freeBytes === null ? '—' : formatBytes(s.freeBytes)}</dd>
              </dl>
            </Card>
          ))}
        </div>
      ) : null}
      <div className="ops-backup-toolbar">
        {configs.data && configs.data.length > 1 ? <SelectField label={t('opsBackups.config')} name="config" value={configId} onChange={(e) => { setConfigId(e.target.value); setPreview(null); }} options={configs.data.map((c) => ({ value: c.id, label: c.name }))} /> : null}
        {configId ? <Button icon="list" busy={retention.isPending} onClick={() => retention.mutate()}>{t('opsBackups.retentionPreview')}</Button> : null}
      </div>
      {preview ? (
        <Card title={t('opsBackups.retentionPreview')} actions={<div className="button-row"><Button onClick={() => setPreview(null)}>{t('action.close')}</Button><Button variant="primary" busy={applyRetention.isPending} disabled={!preview.delete.length} onClick={() => applyRetention.mutate()}>{t('opsBackups.retentionApply', { n: preview.delete.length })}</Button></div>}>
          <p>{t('opsBackups.retentionSummary', { keep: preview.keep.length, del: preview.delete.length })}</p>
        </Card>
      ) : null}
      {list.isPending && configId ? <TableSkeleton rows={5} columns={7} /> : rows.length === 0 && configId && !list.error ? (
        <EmptyState icon="shield" title={t('opsBackups.none')}>{t('opsBackups.noneHint')}</EmptyState>
      ) : rows.length ? (
        <div className="table-wrap">
          <table className="table ops-table ops-backups-table" data-testid="backups-table">
            <thead><tr><th>{t('opsBackups.takenAt')}</th><th>{t('opsBackups.trigger')}</th><th>{t('opsBackups.status')}</th><th>{t('opsBackups.size')}</th><th>{t('opsBackups.key')}</th><th>{t('opsBackups.checksum')}</th><th>{t('opsBackups.restoreVerify')}</th>{preview ? <th>{t('opsBackups.retention')}</th> : null}<th /></tr></thead>
            <tbody>{rows.map((b) => (
              <tr key={b.id} data-backup-id={b.id}>
                <td title={b.id} className="ops-nowrap">{formatDate(b.takenAt ?? b.startedAt)}</td>
                <td>{t(`opsBackups.trigger.${b.trigger}` as 'opsBackups.trigger.manual')}</td>
                <td><Badge tone={statusTone(b.status)} title={b.error?.message}>{t(`opsBackups.status.${b.status}` as 'opsBackups.status.completed')}</Badge>{b.pinned ? <> <Badge tone="primary">{t('opsBackups.pinned')}</Badge></> : null}</td>
                <td>{formatBytes(b.sizeBytes)}</td>
                <td className="ops-nowrap"><code>{b.keyId}</code></td>
                <td>{b.lastChecksumOk === null ? '—' : <Badge tone={b.lastChecksumOk ? 'success' : 'danger'} title={formatDate(b.lastChecksumAt)}>{b.lastChecksumOk ? t('opsBackups.checksumOk') : t('opsBackups.checksumBad')}</Badge>}</td>
                <td data-testid="verify-status"><Badge tone={verifyTone(b.restoreVerifyStatus)} title={formatDate(b.lastRestoreVerifyAt)}>{t(`opsBackups.verify.${b.restoreVerifyStatus}` as 'opsBackups.verify.never')}</Badge></td>
                {preview ? <td>{reasons.get(b.id)?.map((r) => t(`opsBackups.reason.${r}` as 'opsBackups.reason.daily')).join(', ') ?? (preview.delete.includes(b.id) ? <Badge tone="warning">{t('opsBackups.willDelete')}</Badge> : '—')}</td> : null}
                <td><div className="ops-actions">
                  {b.status === 'completed' ? <>
                    <Button size="sm" onClick={() => action.mutate({ b, what: 'restore-verify' })} data-testid="restore-verify">{t('opsBackups.verifyRestore')}</Button>
                    <Button size="sm" variant="ghost" onClick={() => action.mutate({ b, what: 'verify' })}>{t('opsBackups.verifyChecksum')}</Button>
                    <Button size="sm" variant="ghost" onClick={() => action.mutate({ b, what: b.pinned ? 'unpin' : 'pin' })}>{b.pinned ? t('opsBackups.unpin') : t('opsBackups.pin')}</Button>
                  </> : null}
                  {b.status !== 'deleted' && b.status !== 'running' ? <Button size="sm" variant="ghost" icon="trash" aria-label={t('opsBackups.delete')} onClick={() => { setDeleting(b); setConfirm(''); remove.reset(); }} /> : null}
                </div></td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      ) : null}
      {list.hasNextPage ? <div className="load-more"><Button onClick={() => void list.fetchNextPage()} busy={list.isFetchingNextPage}>{t('operations.loadMore')}</Button></div> : null}

      <Dialog open={deleting !== null} title={t('opsBackups.deleteTitle')} onClose={() => setDeleting(null)}
        footer={<><Button onClick={() => setDeleting(null)}>{t('action.close')}</Button><Button variant="danger" busy={remove.isPending} disabled={confirm !== deleting?.id.slice(0, 8)} onClick={() => remove.mutate()}>{t('opsBackups.delete')}</Button></>}>
        <ProblemAlert error={remove.error} fields={['confirm']} />
        <p>{t('opsBackups.deleteHint', { prefix: deleting?.id.slice(0, 8) ?? '' })}</p>
        <TextField label={t('opsBackups.confirm')} name="confirm" value={confirm} maxLength={8} onChange={(e) => setConfirm(e.target.value)} />
      </Dialog>

      <Dialog open={editing !== null} wide title={editing === 'new' ? t('opsBackups.newConfig') : t('opsBackups.editConfig')} onClose={() => setEditing(null)}
        footer={<><Button onClick={() => setEditing(null)}>{t('action.close')}</Button><Button variant="primary" busy={save.isPending} onClick={submit}>{t('action.save')}</Button></>}>
        <ProblemAlert error={save.error} fields={['name', 'cron', 'storage', 'keepDaily']} />
        <TextField label={t('operations.name')} required maxLength={100} {...f('name')} />
        <div className="ops-grid">
          <SelectField label={t('opsBackups.storage')} {...f('storageKind')} options={[{ value: 'local', label: t('opsBackups.storageLocal') }, { value: 's3', label: 'S3' }]} />
          {form.storageKind === 'local' ? <TextField label={t('opsBackups.directory')} hint={t('opsBackups.directoryHint')} maxLength={500} {...f('directory')} /> : <>
            <TextField label={t('opsBackups.endpoint')} maxLength={500} placeholder="https://s3.example.com" {...f('endpoint')} />
            <TextField label={t('opsBackups.bucket')} required maxLength={63} {...f('bucket')} />
            <TextField label={t('opsBackups.prefix')} maxLength={200} placeholder="atrium-backups/" {...f('prefix')} />
            <TextField label={t('opsBackups.credentialsRef')} hint={t('opsBackups.credentialsRefHint')} maxLength={40} {...f('credentialsRef')} />
          </>}
        </div>
        <div className="ops-grid">
          <TextField label={t('opsBackups.cron')} required maxLength={100} {...f('cron')} />
          <TextField label={t('opsBackups.timezone')} required maxLength={64} {...f('timezone')} />
          <TextField label={t('opsBackups.compression')} inputMode="numeric" maxLength={1} {...f('compressionLevel')} />
        </div>
        <div className="ops-grid">
          <TextField label={t('opsBackups.keepDaily')} inputMode="numeric" maxLength={4} {...f('keepDaily')} />
          <TextField label={t('opsBackups.keepWeekly')} inputMode="numeric" maxLength={4} {...f('keepWeekly')} />
          <TextField label={t('opsBackups.keepMonthly')} inputMode="numeric" maxLength={4} {...f('keepMonthly')} />
          <TextField label={t('opsBackups.keepYearly')} inputMode="numeric" maxLength={4} {...f('keepYearly')} />
        </div>
        <Checkbox label={t('opsBackups.enabled')} checked={form.enabled} onChange={(v) => setForm({ ...form, enabled: v })} />
        <Checkbox label={t('opsBackups.verifyAfterWrite')} checked={form.verifyAfterWrite} onChange={(v) => setForm({ ...form, verifyAfterWrite: v })} />
      </Dialog>
    </>
  );
}
