import { useT } from '../i18n';

export function LiveBadge({ live }: { live: boolean }) {
  const t = useT();
  return (
    <span className={`live-badge${live ? ' on' : ''}`} title={live ? t('jobs.liveHint') : t('jobs.pollingHint')}>
      <span className="live-dot" />{live ? t('common.live') : t('common.offline')}
    </span>
  );
}
