import type { ReactNode } from 'react';
import { ApiError } from '../../api/problem';
import { useT } from '../i18n';
import { Icon, type IconName } from './icons';

export function Alert({ tone = 'info', title, children, action }: { tone?: 'info' | 'error' | 'success' | 'warning'; title?: ReactNode; children?: ReactNode; action?: ReactNode }) {
  const icon: IconName = tone === 'success' ? 'check' : tone === 'info' ? 'info' : 'alert';
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <Icon name={icon} size={18} />
      <div className="alert-body">
        {title ? <strong>{title}</strong> : null}
        {children ? <div>{children}</div> : null}
      </div>
      {action ? <div className="alert-action">{action}</div> : null}
    </div>
  );
}

/** What went wrong, in the server's words (problem+json `detail` and field errors), and what to do. */
export function ProblemAlert({ error, fields = [], onRetry }: { error: unknown; fields?: string[]; onRetry?: () => void }) {
  const t = useT();
  if (!error) return null;
  if (!(error instanceof ApiError)) {
    return <Alert tone="error" title={t('error.unexpected')}>{t('error.reload')}</Alert>;
  }
  if (error.status === 0) {
    return (
      <Alert tone="error" title={t('error.network')} action={onRetry ? <button className="btn btn-sm btn-secondary" onClick={onRetry}>{t('action.retry')}</button> : undefined}>
        {t('error.networkHint')}
      </Alert>
    );
  }
  const general = error.generalErrors(fields);
  const hint = error.status === 403 ? t('error.forbiddenHint')
    : error.status === 429 ? t('error.rateLimitedHint', { s: error.retryAfter ?? 60 })
    : error.status >= 500 ? t('error.serverHint', { id: error.requestId ?? '—' })
    : null;
  return (
    <Alert tone="error" title={error.detail || t('error.unexpected')} action={onRetry && error.status >= 500 ? <button className="btn btn-sm btn-secondary" onClick={onRetry}>{t('action.retry')}</button> : undefined}>
      {general.length ? <ul className="alert-list">{general.map((g) => <li key={g}>{g}</li>)}</ul> : null}
      {hint}
    </Alert>
  );
}

export function Skeleton({ lines = 3, height }: { lines?: number; height?: number }) {
  return (
    <div className="skeleton-group" aria-busy="true" aria-live="polite">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="skeleton" style={{ height: height ?? 14, width: i === lines - 1 && lines > 1 ? '60%' : '100%' }} />
      ))}
    </div>
  );
}

export function TableSkeleton({ rows = 5, columns = 4 }: { rows?: number; columns?: number }) {
  return (
    <div className="table-skeleton" aria-busy="true">
      {Array.from({ length: rows }, (_, r) => (
        <div key={r} className="table-skeleton-row">
          {Array.from({ length: columns }, (_, c) => <div key={c} className="skeleton" style={{ height: 14, width: `${60 + ((r * 7 + c * 13) % 35)}%` }} />)}
        </div>
      ))}
    </div>
  );
}

export function EmptyState({ icon = 'inbox', title, children, action }: { icon?: IconName; title: ReactNode; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-icon"><Icon name={icon} size={26} /></div>
      <h3>{title}</h3>
      {children ? <p>{children}</p> : null}
      {action}
    </div>
  );
}
