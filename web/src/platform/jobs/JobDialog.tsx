import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useI18n, useT, type MessageKey } from '../i18n';
import { Button } from '../ui/Button';
import { Dialog } from '../ui/Dialog';
import { ProblemAlert, Skeleton } from '../ui/feedback';
import { Badge } from '../ui/layout';
import { useToast } from '../ui/toast';
import { errorOf, jobKeys, STATE_TONE, type JobDetail } from './jobs-api';

type Action = 'retry' | 'cancel' | 'resume';

/** One job: its state, attempts, data, error with stack, and the actions its state allows. */
export function JobDialog({ queue, id, onClose, refetchInterval }: { queue: string; id: string | null; onClose: () => void; refetchInterval: number }) {
  const t = useT();
  const { formatDate } = useI18n();
  const toast = useToast();
  const queryClient = useQueryClient();
  const job = useQuery({
    queryKey: [...jobKeys.all, 'job', queue, id],
    queryFn: () => api.get('/api/v1/jobs/queues/{name}/jobs/{id}', { params: { name: queue, id: id! } }),
    enabled: !!id,
    refetchInterval,
  });
  const act = useMutation({
    mutationFn: (action: Action) => api.post(`/api/v1/jobs/queues/{name}/jobs/{id}/${action}` as '/api/v1/jobs/queues/{name}/jobs/{id}/retry', { params: { name: queue, id: id! } }),
    onSuccess: (r, action) => { toast(t(`jobs.done.${action}` as MessageKey, { state: t(`jobState.${r.state}` as MessageKey) })); return queryClient.invalidateQueries({ queryKey: jobKeys.all }); },
  });
  const remove = useMutation({
    mutationFn: () => api.delete('/api/v1/jobs/queues/{name}/jobs/{id}', { params: { name: queue, id: id! } }),
    onSuccess: () => { toast(t('jobs.deleted')); onClose(); return queryClient.invalidateQueries({ queryKey: jobKeys.all }); },
  });
  const j = job.data;
  const actions: Action[] = !j ? [] : j.state === 'failed' ? ['retry'] : ['created', 'retry', 'active'].includes(j.state) ? ['cancel'] : j.state === 'cancelled' ? ['resume'] : [];
  const deletable = !!j && ['completed', 'cancelled', 'failed'].includes(j.state);
  return (
    <Dialog open={!!id} wide title={<>{t('jobs.job')} <code>{id?.slice(0, 8)}</code></>} onClose={onClose}
      footer={<>
        {deletable ? <Button variant="ghost" icon="trash" busy={remove.isPending} onClick={() => remove.mutate()}>{t('jobs.delete')}</Button> : null}
        <span className="spacer" />
        {actions.map((a) => (
          <Button key={a} variant={a === 'cancel' ? 'danger' : 'primary'} icon={a === 'cancel' ? 'x' : a === 'retry' ? 'refresh' : 'play'}
            busy={act.isPending && act.variables === a} onClick={() => act.mutate(a)}>{t(`jobs.action.${a}` as MessageKey)}</Button>
        ))}
      </>}>
      <ProblemAlert error={job.error ?? act.error ?? remove.error} />
      {job.isPending ? <Skeleton lines={6} /> : j ? <JobBody job={j} formatDate={formatDate} /> : null}
    </Dialog>
  );
}

function JobBody({ job: j, formatDate }: { job: JobDetail; formatDate: ReturnType<typeof useI18n>['formatDate'] }) {
  const t = useT();
  const error = j.state === 'failed' || j.state === 'retry' ? errorOf(j.output) : {};
  return (
    <div className="job-detail" data-testid="job-detail">
      <dl className="facts">
        <dt>{t('jobs.state')}</dt><dd><Badge tone={STATE_TONE[j.state]}>{t(`jobState.${j.state}` as MessageKey)}</Badge></dd>
        <dt>{t('jobs.attemptsHead')}</dt><dd>{t('jobs.retriesOf', { n: j.retryCount, max: j.retryLimit })}</dd>
        <dt>{t('jobs.created')}</dt><dd>{formatDate(j.createdOn)}</dd>
        <dt>{t('jobs.started')}</dt><dd>{formatDate(j.startedOn)}</dd>
        <dt>{t('jobs.finished')}</dt><dd>{formatDate(j.completedOn)}</dd>
        {j.singletonKey ? <><dt>{t('jobs.singletonKey')}</dt><dd><code>{j.singletonKey}</code></dd></> : null}
        {j.sourceQueue ? <><dt>{t('jobs.source')}</dt><dd>{j.sourceQueue} <code>{j.sourceJobId}</code></dd></> : null}
      </dl>
      {error.message ? (
        <>
          <h3>{t('jobs.error')}</h3>
          <p className="error-message">{error.code ? <code>{error.code}</code> : null} {error.message}</p>
          {error.stack ? <pre className="code-block" data-testid="job-stack">{error.stack}</pre> : null}
        </>
      ) : null}
      <h3>{t('jobs.data')}</h3>
      <pre className="code-block">{JSON.stringify(j.data, null, 2)}</pre>
      {j.state === 'completed' && j.output !== null ? <><h3>{t('jobs.output')}</h3><pre className="code-block">{JSON.stringify(j.output, null, 2)}</pre></> : null}
      {j.runs.length ? (
        <>
          <h3>{t('jobs.runs')}</h3>
          <table className="table compact">
            <thead><tr><th>#</th><th>{t('jobs.state')}</th><th>{t('jobs.trigger')}</th><th>{t('jobs.started')}</th><th className="num">{t('jobs.duration')}</th></tr></thead>
            <tbody>
              {j.runs.map((r) => (
                <tr key={r.id}>
                  <td>{r.attempt}</td><td>{r.status}</td><td>{r.trigger}</td><td className="nowrap">{formatDate(r.startedAt)}</td>
                  <td className="num">{r.durationMs !== null ? `${r.durationMs} ms` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}
