import { useState } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from '../../api/client';
import { useI18n } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Dialog } from '../../platform/ui/Dialog';
import { SelectField, TextField } from '../../platform/ui/Field';
import { EmptyState, ProblemAlert, TableSkeleton } from '../../platform/ui/feedback';
import { Badge, Card, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { OPS_BACKUPS, backupKeys, formatBytes, type Backup, type Page, type RestoreRun } from './backups-api';
import './operations-backups.css';

const runTone = (s: string) => (s === 'succeeded' ? 'success' : s === 'running' ? 'info' : 'danger');
const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v).slice(0, 80) : String(v));

/** Restores (spec §9.10): wizard (backup → runbook → confirmation), history of restores and verifications with checks, RTO and RPO. */
export default function Restores() {
  const { t, formatDate } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const [wizard, setWizard] = useState(false);
  const [backupId, setBackupId] = useState('');
  const [target, setTarget] = useState('');
  const [confirm, setConfirm] = useState('');
  const [open, setOpen] = useState<RestoreRun | null>(null);
  const backups = useQuery({
    queryKey: ['operations', 'backups', 'restorable'], enabled: wizard,
    queryFn: ({ signal }) => request<Page<Backup>>('GET', `${OPS_BACKUPS}/backups`, { query: { status: 'completed', limit: 100 }, signal }),
  });
  const history = useInfiniteQuery({
    queryKey: backupKeys.restores,
    queryFn: ({ pageParam, signal }) => request<Page<RestoreRun>>('GET', `${OPS_BACKUPS}/restores`, { query: { cursor: pageParam, limit: 25 }, signal }),
    initialPageParam: undefined as string | undefined, getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((r) => r.status === 'running')) ? 2000 : false),
  });
  const rows = history.data?.pages.flatMap((p) => p.items) ?? [];
  const start = useMutation({
    mutationFn: () => request<{ jobId: string; targetDatabase: string }>('POST', `${OPS_BACKUPS}/restores`, { body: { backupId, mode: 'new_database', confirm, ...(target.trim() ? { targetDatabase: target.trim() } : {}) } }),
    onSuccess: (r) => { setWizard(false); toast(t('opsRestores.started', { db: r.targetDatabase })); void qc.invalidateQueries({ queryKey: backupKeys.all }); },
  });
  const verify = useMutation({
    mutationFn: () => request('POST', `${OPS_BACKUPS}/restore-verifications`, { body: {} }),
    onSuccess: () => { toast(t('opsBackups.verifyStarted')); setTimeout(() => void history.refetch(), 1500); },
  });
  const chosen = backups.data?.items.find((b) => b.id === backupId);
  return (
    <>
      <PageHeader title={t('opsRestores.title')} description={t('opsRestores.lead')}
        actions={<div className="button-row">
          <Button icon="refresh" busy={verify.isPending} onClick={() => verify.mutate()}>{t('opsRestores.verifyNewest')}</Button>
          <Button variant="primary" icon="play" onClick={() => { setWizard(true); setBackupId(''); setConfirm(''); setTarget(''); start.reset(); }}>{t('opsRestores.start')}</Button>
        </div>} />
      <ProblemAlert error={history.error ?? verify.error} onRetry={() => void history.refetch()} />
      <Card title={t('opsRestores.runbook')}>
        <ol className="ops-runbook">
          {(['1', '2', '3', '4', '5', '6', '7'] as const).map((n) => <li key={n}>{t(`opsRestores.step${n}` as 'opsRestores.step1')}</li>)}
        </ol>
      </Card>
      <h2>{t('opsRestores.history')}</h2>
      {history.isPending ? <TableSkeleton rows={4} columns={6} /> : rows.length === 0 && !history.error ? <EmptyState icon="refresh" title={t('opsRestores.none')}>{t('opsRestores.noneHint')}</EmptyState> : (
        <div className="table-wrap">
          <table className="table ops-table" data-testid="restores-table">
            <thead><tr><th>{t('opsRestores.startedAt')}</th><th>{t('opsRestores.mode')}</th><th>{t('opsRestores.backup')}</th><th>{t('opsBackups.status')}</th><th>{t('opsRestores.checks')}</th><th>RTO</th><th>RPO</th></tr></thead>
            <tbody>{rows.map((r) => (
              <tr key={r.runId} onClick={() => setOpen(r)}>
                <td>{formatDate(r.startedAt)}</td>
                <td>{t(`opsRestores.mode.${r.mode}` as 'opsRestores.mode.verify')}{r.targetDatabase && r.mode !== 'verify' ? <> <code>{r.targetDatabase}</code></> : null}</td>
                <td><code>{r.backupId.slice(0, 8)}</code></td>
                <td><Badge tone={runTone(r.status)} title={r.error?.message}>{t(`opsRestores.status.${r.status}` as 'opsRestores.status.succeeded')}</Badge></td>
                <td>{r.checks.length ? `${r.checks.filter((c) => c.ok).length}/${r.checks.length}` : '—'}</td>
                <td>{r.rtoSeconds === null ? '—' : `${r.rtoSeconds} s`}</td>
                <td>{r.rpoSeconds === null ? '—' : `${Math.round(r.rpoSeconds / 60)} min`}</td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      )}
      {history.hasNextPage ? <div className="load-more"><Button onClick={() => void history.fetchNextPage()} busy={history.isFetchingNextPage}>{t('operations.loadMore')}</Button></div> : null}

      <Dialog open={open !== null} wide title={t('opsRestores.checks')} onClose={() => setOpen(null)} footer={<Button onClick={() => setOpen(null)}>{t('action.close')}</Button>}>
        {open?.error ? <ProblemAlert error={new Error(`${open.error.code}: ${open.error.message}`)} /> : null}
        <div className="table-wrap"><table className="table ops-checks ops-backups-table"><thead><tr><th>{t('opsRestores.check')}</th><th>{t('opsRestores.expected')}</th><th>{t('opsRestores.actual')}</th><th /></tr></thead>
          <tbody>{[...(open?.checks ?? [])].sort((a, b) => Number(a.ok) - Number(b.ok)).map((c) => <tr key={c.name}><td>{c.name}</td><td>{show(c.expected)}</td><td>{show(c.actual)}</td><td>{c.ok ? <Badge tone="success">OK</Badge> : <Badge tone="danger">{t('opsRestores.failed')}</Badge>}</td></tr>)}</tbody>
        </table></div>
      </Dialog>

      <Dialog open={wizard} wide title={t('opsRestores.start')} onClose={() => setWizard(false)}
        footer={<><Button onClick={() => setWizard(false)}>{t('action.close')}</Button><Button variant="danger" busy={start.isPending} disabled={!chosen || confirm !== backupId.slice(0, 8)} onClick={() => start.mutate()}>{t('opsRestores.restore')}</Button></>}>
        <ProblemAlert error={backups.error ?? start.error} fields={['targetDatabase', 'confirm']} />
        <div className="ops-steps"><Badge tone={chosen ? 'success' : 'primary'}>1. {t('opsRestores.chooseBackup')}</Badge><Badge tone="neutral">2. {t('opsRestores.modeNew')}</Badge><Badge tone={confirm && confirm === backupId.slice(0, 8) ? 'success' : 'neutral'}>3. {t('opsRestores.confirmStep')}</Badge></div>
        {backups.isPending ? <TableSkeleton rows={2} columns={2} /> : (
          <SelectField label={t('opsRestores.backup')} name="backup" value={backupId} onChange={(e) => setBackupId(e.target.value)}
            options={[{ value: '', label: '—' }, ...(backups.data?.items ?? []).map((b) => ({ value: b.id, label: `${formatDate(b.takenAt)} · ${b.configName} · ${formatBytes(b.sizeBytes)} · ${b.id.slice(0, 8)}` }))]} />
        )}
        <TextField label={t('opsRestores.targetDatabase')} hint={t('opsRestores.targetHint')} name="targetDatabase" maxLength={63} value={target} onChange={(e) => setTarget(e.target.value)} />
        <p>{t('opsRestores.confirmHint', { prefix: backupId ? backupId.slice(0, 8) : '…' })}</p>
        <TextField label={t('opsBackups.confirm')} name="confirm" maxLength={8} value={confirm} onChange={(e) => setConfirm(e.target.value)} />
      </Dialog>
    </>
  );
}
