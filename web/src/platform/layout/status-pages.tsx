import { Link } from 'react-router';
import { useT } from '../i18n';
import { EmptyState, Skeleton } from '../ui/feedback';

export function PageLoading() {
  return (
    <div className="page-loading" aria-busy="true">
      <div className="skeleton" style={{ height: 28, width: 240, marginBottom: 24 }} />
      <Skeleton lines={4} />
    </div>
  );
}

export function NotFound() {
  const t = useT();
  return <EmptyState icon="search" title={t('status.notFound')} action={<Link className="btn btn-primary" to="/">{t('status.backHome')}</Link>}>{t('status.notFoundHint')}</EmptyState>;
}

export function Forbidden() {
  const t = useT();
  return <EmptyState icon="lock" title={t('status.forbidden')} action={<Link className="btn btn-secondary" to="/">{t('status.backHome')}</Link>}>{t('status.forbiddenHint')}</EmptyState>;
}
