import { Link } from 'react-router';
import { useI18n, useT } from '../../platform/i18n';
import { formatGlucose, type GlucoseUnit } from './units';
import type { Prediction } from './sensors-api';
import './forecast.css';

/** The forecast in words under the live chart: values at 30/60 min, low risk, advice (never an insulin amount). */
export function ForecastSummary({ forecast, unit, accuracyTo }: { forecast: Prediction | undefined; unit: GlucoseUnit; accuracyTo: string }) {
  const t = useT();
  const { locale } = useI18n();
  if (!forecast) return null;
  if (!forecast.primaryModel) {
    return <div className="g-forecast" data-testid="forecast-summary"><span className="muted">{t('glucose.forecast.none')}</span></div>;
  }
  const [h30, h60] = forecast.horizons;
  const pct = (p: number | null | undefined) => (p === null || p === undefined ? '—' : String(Math.round(p * 100)));
  return (
    <div className="g-forecast" data-testid="forecast-summary">
      <strong>{t('glucose.forecast.summary', {
        v30: h30?.value != null ? formatGlucose(h30.value, unit, locale) : '—', v60: h60?.value != null ? formatGlucose(h60.value, unit, locale) : '—', unit,
      })}</strong>
      <span className={`g-forecast-level-${forecast.recommendationLevel}`}>{t('glucose.forecast.hypo', { p30: pct(h30?.probabilityHypo), p60: pct(h60?.probabilityHypo) })}</span>
      <span className="muted">
        {t('glucose.forecast.model', { model: t(`glucose.model.${forecast.primaryModel}` as never) })}
        {forecast.fallback && forecast.fallbackReason ? ` · ${t('glucose.forecast.fallback', { reason: forecast.fallbackReason })}` : ''}
      </span>
      {forecast.recommendations.map((r) => (
        <span key={r.type} className="g-forecast-level-warning">
          {r.type === 'carbs' ? t('glucose.forecast.advice.carbs', { g: r.grams ?? 15 }) : t('glucose.forecast.advice.review_plan')}
        </span>
      ))}
      <span className="muted">{t('glucose.forecast.disclaimer')}</span>
      <Link to={accuracyTo}>{t('glucose.forecast.accuracyLink')}</Link>
    </div>
  );
}
