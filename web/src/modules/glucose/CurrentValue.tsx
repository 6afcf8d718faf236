import { useI18n, useT } from '../../platform/i18n';
import { Badge } from '../../platform/ui/layout';
import { minutesSince, type Current } from './api';
import { arrowOf, formatGlucose, rangeOf, type GlucoseUnit, type Targets } from './units';

/** The big number: value, arrow, unit, how old it is, and whether the sensor went quiet. */
export function CurrentValue({ current, unit, targets, now }: { current: Current; unit: GlucoseUnit; targets: Targets; now: number }) {
  const t = useT();
  const { locale } = useI18n();
  const r = current.reading;
  const minutes = minutesSince(r?.measuredAt, now);
  const range = rangeOf(r?.value, targets);
  return (
    <div className="g-current">
      <div className={`g-value ${range}`} data-testid="glucose-value">
        <span className="g-value-number">{formatGlucose(r?.value, unit, locale)}</span>
        {r?.direction ? <span className="g-value-arrow" title={r.direction}>{arrowOf(r.direction)}</span> : null}
        <span className="g-value-unit">{unit}</span>
      </div>
      <div className="g-meta">
        {r ? <span>{minutes === 0 ? t('glucose.justNow') : t('glucose.minutesAgo', { n: minutes ?? 0 })}</span> : <span>{t('glucose.noReading')}</span>}
        {r && r.source !== 'cgm' ? <Badge tone="info">{t(r.source === 'manual' ? 'glucose.source.manual' : 'glucose.source.meter')}</Badge> : null}
        {current.stale ? <span className="g-stale">{t('glucose.stale')}</span> : null}
        {range === 'urgent-low' ? <Badge tone="danger">{t('glucose.alertType.urgent_low')}</Badge> : range === 'low' ? <Badge tone="danger">{t('glucose.range.low')}</Badge> : null}
        {range === 'urgent-high' ? <Badge tone="danger">{t('glucose.alertType.urgent_high')}</Badge> : range === 'high' ? <Badge tone="warning">{t('glucose.range.high')}</Badge> : null}
      </div>
    </div>
  );
}
