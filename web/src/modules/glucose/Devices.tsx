import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useI18n, useT } from '../../platform/i18n';
import { Button } from '../../platform/ui/Button';
import { SelectField } from '../../platform/ui/Field';
import { Dialog } from '../../platform/ui/Dialog';
import { Alert, ProblemAlert, Skeleton } from '../../platform/ui/feedback';
import { Badge, Card, PageHeader } from '../../platform/ui/layout';
import { useToast } from '../../platform/ui/toast';
import { glucoseKeys } from './api';
import { SensorsSection } from './Sensors';
import './glucose.css';

const PATIENT = 'me';

function Copyable({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const t = useT();
  const toast = useToast();
  return (
    <div className="field">
      <label>{label}</label>
      <div className="g-secret">
        <code data-testid={testId}>{value}</code>
        <Button size="sm" icon="copy" onClick={() => { void navigator.clipboard?.writeText(value).then(() => toast(t('glucose.ns.copied'))); }}>{t('action.copy')}</Button>
      </div>
    </div>
  );
}

/** Nightscout setup: the address and secret an uploader (xDrip+, AndroidAPS, Loop, Spike) needs, shown once. */
export default function Devices() {
  const t = useT();
  const { formatDate } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [keepHours, setKeepHours] = useState('0');
  const [secret, setSecret] = useState<{ secret: string; sha1: string; baseUrl: string } | null>(null);
  const [token, setToken] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<'revoke' | 'revokeToken' | null>(null);
  const status = useQuery({
    queryKey: glucoseKeys.credentials(PATIENT),
    queryFn: ({ signal }) => api.get('/api/v1/glucose/patients/{patientId}/upload-credentials', { params: { patientId: PATIENT }, signal }),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: glucoseKeys.credentials(PATIENT) });
  const rotate = useMutation({
    mutationFn: () => api.post('/api/v1/glucose/patients/{patientId}/upload-credentials', { params: { patientId: PATIENT }, body: { keepPreviousForHours: Number(keepHours) } }),
    onSuccess: (r) => { setSecret(r); void refresh(); },
  });
  const createToken = useMutation({
    mutationFn: () => api.post('/api/v1/glucose/patients/{patientId}/upload-credentials/access-token', { params: { patientId: PATIENT }, body: {} }),
    onSuccess: (r) => { setToken(r.accessToken); void refresh(); },
  });
  const revoke = useMutation({
    mutationFn: (what: 'revoke' | 'revokeToken') => (what === 'revoke'
      ? api.delete('/api/v1/glucose/patients/{patientId}/upload-credentials', { params: { patientId: PATIENT } })
      : api.delete('/api/v1/glucose/patients/{patientId}/upload-credentials/access-token', { params: { patientId: PATIENT } })),
    onSuccess: (_r, what) => {
      setConfirm(null);
      if (what === 'revoke') { setSecret(null); setToken(null); } else setToken(null);
      toast(t(what === 'revoke' ? 'glucose.ns.revoked' : 'glucose.ns.tokenRevoked'));
      void refresh();
    },
  });
  const s = status.data;
  const baseUrl = s?.baseUrl ?? window.location.origin;

  return (
    <>
      <PageHeader title={t('glucose.devices')} description={t('glucose.ns.lead')} />
      <ProblemAlert error={status.error} onRetry={() => void status.refetch()} />
      <div className="g-stack">
        <SensorsSection />
        <Card title={t('glucose.ns.title')} description={t('glucose.ns.titleLead')}
          actions={s ? <Badge tone={s.exists ? 'success' : 'neutral'}>{s.exists ? t('glucose.ns.active') : t('glucose.ns.notSet')}</Badge> : undefined}>
          {status.isPending ? <Skeleton lines={4} /> : (
            <div className="g-stack">
              <Copyable label={t('glucose.ns.url')} value={baseUrl} testId="ns-url" />
              {secret ? (
                <Alert tone="warning" title={t('glucose.ns.shownOnce')}>
                  <Copyable label={t('glucose.ns.secret')} value={secret.secret} testId="ns-secret" />
                  <p className="small muted">{t('glucose.ns.sha1', { sha1: secret.sha1 })}</p>
                </Alert>
              ) : null}
              {s ? (
                <dl className="facts">
                  <dt>{t('glucose.ns.secret')}</dt>
                  <dd>{s.exists ? t('glucose.ns.setOn', { date: formatDate(s.rotatedAt ?? s.createdAt, 'datetime') }) : t('glucose.ns.none')}</dd>
                  {s.previousValidUntil ? <><dt>{t('glucose.ns.previous')}</dt><dd>{t('glucose.ns.previousUntil', { date: formatDate(s.previousValidUntil, 'datetime') })}</dd></> : null}
                  <dt>{t('glucose.ns.lastUsed')}</dt>
                  <dd>{s.lastUsedAt ? `${formatDate(s.lastUsedAt, 'relative')}${s.lastUsedApp ? ` · ${s.lastUsedApp}` : ''}` : t('glucose.ns.neverUsed')}</dd>
                  <dt>{t('glucose.ns.token')}</dt>
                  <dd>{s.accessToken.exists ? t('glucose.ns.setOn', { date: formatDate(s.accessToken.createdAt, 'datetime') }) : t('glucose.ns.none')}</dd>
                </dl>
              ) : null}
              {s?.exists ? (
                <div className="g-narrow"><SelectField label={t('glucose.ns.keep')} hint={t('glucose.ns.keepHint')} value={keepHours} onChange={(e) => setKeepHours(e.target.value)}
                  options={[0, 1, 6, 24, 48].map((h) => ({ value: String(h), label: h === 0 ? t('glucose.ns.keepNone') : t('glucose.hours', { n: h }) }))} /></div>
              ) : null}
              <div className="button-row">
                <Button variant="primary" icon={s?.exists ? 'refresh' : 'key'} busy={rotate.isPending} onClick={() => rotate.mutate()}>
                  {s?.exists ? t('glucose.ns.rotate') : t('glucose.ns.create')}
                </Button>
                {s?.exists ? <Button variant="danger" icon="trash" onClick={() => setConfirm('revoke')}>{t('glucose.ns.revoke')}</Button> : null}
              </div>
              <ProblemAlert error={rotate.error} />
            </div>
          )}
        </Card>

        <Card title={t('glucose.ns.tokenTitle')} description={t('glucose.ns.tokenLead')}>
          {token ? (
            <Alert tone="warning" title={t('glucose.ns.shownOnce')}><Copyable label={t('glucose.ns.token')} value={token} testId="ns-token" /></Alert>
          ) : null}
          <div className="button-row">
            <Button icon="key" busy={createToken.isPending} onClick={() => createToken.mutate()}>{s?.accessToken.exists ? t('glucose.ns.tokenRotate') : t('glucose.ns.tokenCreate')}</Button>
            {s?.accessToken.exists ? <Button variant="danger" icon="trash" onClick={() => setConfirm('revokeToken')}>{t('glucose.ns.tokenRevoke')}</Button> : null}
          </div>
          <ProblemAlert error={createToken.error} />
        </Card>

        <Card title={t('glucose.ns.howTo')}>
          <div className="g-apps">
            <section>
              <h3>xDrip+</h3>
              <ol className="g-steps">
                <li>{t('glucose.ns.xdrip1')}</li>
                <li>{t('glucose.ns.xdrip2')} <code>{`${baseUrl.replace(/^(https?:\/\/)/, '$1SECRET@').replace(/\/$/, '')}/api/v1/`}</code></li>
                <li>{t('glucose.ns.xdrip3')}</li>
              </ol>
            </section>
            <section>
              <h3>AndroidAPS</h3>
              <ol className="g-steps">
                <li>{t('glucose.ns.aaps1')}</li>
                <li>{t('glucose.ns.aaps2')}</li>
                <li>{t('glucose.ns.aaps3')}</li>
              </ol>
            </section>
            <section>
              <h3>Loop</h3>
              <ol className="g-steps">
                <li>{t('glucose.ns.loop1')}</li>
                <li>{t('glucose.ns.loop2')}</li>
              </ol>
            </section>
            <section>
              <h3>Spike</h3>
              <ol className="g-steps">
                <li>{t('glucose.ns.spike1')}</li>
                <li>{t('glucose.ns.spike2')}</li>
              </ol>
            </section>
          </div>
        </Card>
      </div>
      <Dialog open={confirm !== null} title={confirm === 'revoke' ? t('glucose.ns.revokeTitle') : t('glucose.ns.tokenRevokeTitle')} onClose={() => setConfirm(null)}
        footer={<>
          <Button onClick={() => setConfirm(null)}>{t('action.cancel')}</Button>
          <Button variant="danger" busy={revoke.isPending} onClick={() => confirm && revoke.mutate(confirm)}>{confirm === 'revoke' ? t('glucose.ns.revoke') : t('glucose.ns.tokenRevoke')}</Button>
        </>}>
        <p>{confirm === 'revoke' ? t('glucose.ns.revokeText') : t('glucose.ns.tokenRevokeText')}</p>
        <ProblemAlert error={revoke.error} />
      </Dialog>
    </>
  );
}
