import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, request } from '../../api/client';
import { useI18n } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { Dialog } from '../../platform/ui/Dialog';
import { TextField } from '../../platform/ui/Field';
import { Alert, EmptyState, ProblemAlert, TableSkeleton } from '../../platform/ui/feedback';
import { Badge, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { OPS_BACKUPS, backupKeys, type BackupKey } from './backups-api';
import './operations-backups.css';

const tone = (s: string) => (s === 'active' ? 'success' : s === 'pending' ? 'warning' : s === 'decrypt_only' ? 'info' : 'neutral');

/** Keys (spec §9.9): status, fingerprint, escrow, references; add, confirm escrow, activate, rewrap, retire (all step-up). */
export default function BackupKeys() {
  const { t, formatDate } = useI18n();
  const toast = useToast();
  const qc = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [keyId, setKeyId] = useState('');
  const [error, setError] = useState<string | undefined>();
  const keys = useQuery({ queryKey: backupKeys.keys, queryFn: ({ signal }) => request<BackupKey[]>('GET', `${OPS_BACKUPS}/backup-keys`, { signal }) });
  const refresh = () => void qc.invalidateQueries({ queryKey: backupKeys.all });
  const add = useMutation({
    mutationFn: () => request<BackupKey>('POST', `${OPS_BACKUPS}/backup-keys`, { body: { keyId } }),
    onSuccess: () => { setAdding(false); setKeyId(''); toast(t('operations.saved')); refresh(); },
    onError: (err) => { if (err instanceof ApiError) setError(err.fieldErrors().keyId); },
  });
  const act = useMutation({
    mutationFn: ({ k, what }: { k: BackupKey; what: 'escrow-confirmation' | 'activate' | 'retire' | 'rewrap' }) => what === 'rewrap'
      ? request('POST', `${OPS_BACKUPS}/backup-keys/rewrap`, { body: { fromKeyId: k.keyId } })
      : request('POST', `${OPS_BACKUPS}/backup-keys/${k.keyId}/${what}`),
    onSuccess: (_r, v) => { toast(t(v.what === 'rewrap' ? 'opsKeys.rewrapStarted' : 'operations.saved')); refresh(); },
  });
  const submit = () => {
    if (!/^[a-z0-9-]{3,40}$/.test(keyId)) { setError(t('opsKeys.keyIdInvalid')); return; }
    setError(undefined);
    add.mutate();
  };
  return (
    <>
      <PageHeader title={t('opsKeys.title')} description={t('opsKeys.lead')}
        actions={<Button variant="primary" icon="plus" onClick={() => { setAdding(true); add.reset(); setError(undefined); }}>{t('opsKeys.add')}</Button>} />
      <Alert tone="info">{t('opsKeys.stepUpHint')}</Alert>
      <ProblemAlert error={keys.error ?? act.error} onRetry={() => void keys.refetch()} />
      {keys.isPending ? <TableSkeleton rows={3} columns={6} /> : keys.data?.length === 0 ? <EmptyState icon="key" title={t('opsKeys.none')}>{t('opsKeys.noneHint')}</EmptyState> : keys.data ? (
        <div className="table-wrap">
          <table className="table ops-table" data-testid="keys-table">
            <thead><tr><th>{t('opsKeys.keyId')}</th><th>{t('opsBackups.status')}</th><th>{t('opsKeys.fingerprint')}</th><th>{t('opsKeys.escrow')}</th><th>{t('opsKeys.referencedBy')}</th><th>{t('opsKeys.loadable')}</th><th /></tr></thead>
            <tbody>{keys.data.map((k) => (
              <tr key={k.keyId}>
                <td><code>{k.keyId}</code></td>
                <td><Badge tone={tone(k.status)}>{t(`opsKeys.status.${k.status}` as 'opsKeys.status.active')}</Badge></td>
                <td className="ops-mono">{k.fingerprint}</td>
                <td>{k.escrowConfirmedAt ? formatDate(k.escrowConfirmedAt, 'date') : <Badge tone="warning">{t('opsKeys.notEscrowed')}</Badge>}</td>
                <td>{k.referencedBy}</td>
                <td>{k.loadable ? <Badge tone="success">{t('opsKeys.yes')}</Badge> : <Badge tone="danger">{t('opsKeys.missing')}</Badge>}</td>
                <td className="ops-actions">
                  {k.status === 'pending' && !k.escrowConfirmedAt ? <Button size="sm" onClick={() => act.mutate({ k, what: 'escrow-confirmation' })}>{t('opsKeys.confirmEscrow')}</Button> : null}
                  {k.status === 'pending' && k.escrowConfirmedAt ? <Button size="sm" variant="primary" onClick={() => act.mutate({ k, what: 'activate' })}>{t('opsKeys.activate')}</Button> : null}
                  {k.status === 'decrypt_only' && k.referencedBy > 0 ? <Button size="sm" onClick={() => act.mutate({ k, what: 'rewrap' })}>{t('opsKeys.rewrap')}</Button> : null}
                  {(k.status === 'pending' || k.status === 'decrypt_only') ? <Button size="sm" variant="ghost" onClick={() => act.mutate({ k, what: 'retire' })}>{t('opsKeys.retire')}</Button> : null}
                </td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      ) : null}
      <Dialog open={adding} title={t('opsKeys.add')} onClose={() => setAdding(false)}
        footer={<><Button onClick={() => setAdding(false)}>{t('action.close')}</Button><Button variant="primary" busy={add.isPending} onClick={submit}>{t('opsKeys.register')}</Button></>}>
        <p>{t('opsKeys.addHint')}</p>
        <pre className="ops-mono">npm run backup-key -- generate {keyId || 'key-2026-01'}</pre>
        <ProblemAlert error={add.error} fields={['keyId']} />
        <TextField label={t('opsKeys.keyId')} name="keyId" required maxLength={40} value={keyId} error={error} onChange={(e) => setKeyId(e.target.value.trim())} />
      </Dialog>
    </>
  );
}
