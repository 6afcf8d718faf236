import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { request } from '../../api/client';
import { useI18n, useT } from '../../platform/i18n';
import { Alert, ProblemAlert } from '../../platform/ui/feedback';
import { ENV_KEYS, PILLARS, QUALITY_KEYS, fmt, pillarKey, rebalance, type Pillar } from './api';

export interface WeightsValue {
  method: 'direct' | 'ahp';
  pillars: Record<Pillar, number>;
  quality: Record<string, number>;
  environmental: Record<string, number>;
  /** AHP pairwise judgements of the pillars: economic/quality, economic/environmental, quality/environmental. */
  ahp: [number, number, number];
}

/** The body the API takes for these weights (AHP: the pillar matrix; sub-criteria stay direct). */
export function weightsBody(w: WeightsValue) {
  const sub = { quality: w.quality as never, environmental: w.environmental as never };
  if (w.method === 'ahp') {
    const [eq, ee, qe] = w.ahp;
    return { method: 'ahp' as const, matrices: { pillars: [[1, eq, ee], [1 / eq, 1, qe], [1 / ee, 1 / qe, 1]] }, sub };
  }
  return { method: 'direct' as const, pillars: w.pillars, sub };
}

export function weightsFrom(snapshot: { method?: string; pillars: Record<Pillar, number>; quality: Record<string, number>; environmental: Record<string, number>; matrices?: Record<string, number[][]> | null }): WeightsValue {
  const m = snapshot.matrices?.pillars;
  return {
    method: snapshot.method === 'ahp' && m ? 'ahp' : 'direct',
    pillars: { ...snapshot.pillars }, quality: { ...snapshot.quality }, environmental: { ...snapshot.environmental },
    ahp: m ? [m[0]![1]!, m[0]![2]!, m[1]![2]!] : [1, 2, 2],
  };
}

/** Saaty's 17-step scale: 1/9 … 1 … 9. */
const SCALE = [...[9, 8, 7, 6, 5, 4, 3, 2].map((n) => 1 / n), 1, 2, 3, 4, 5, 6, 7, 8, 9];
const scaleLabel = (v: number) => (v >= 1 ? String(Math.round(v)) : `1/${Math.round(1 / v)}`);
const nearest = (v: number) => SCALE.reduce((a, b) => (Math.abs(Math.log(b) - Math.log(v)) < Math.abs(Math.log(a) - Math.log(v)) ? b : a));

function Slider({ label, value, onChange, sub, testId }: { label: string; value: number; onChange: (v: number) => void; sub?: boolean; testId?: string }) {
  const { locale } = useI18n();
  return (
    <label className={`src-slider${sub ? ' sub' : ''}`}>
      <span>{label}</span>
      <input type="range" min={0} max={100} step={1} value={Math.round(value * 100)} onChange={(e) => onChange(Number(e.target.value) / 100)} aria-label={label} data-testid={testId} />
      <output>{fmt(value * 100, locale, 0)} %</output>
    </label>
  );
}

interface AhpAnswer { weights: Record<string, number>; cr: number; consistent: boolean; mostInconsistentPair: { a: string; b: string; given: number; suggested: number } | null }

/**
 * Pillar sliders that always sum to 100 % (moving one rescales the others proportionally), expandable local sliders,
 * and an AHP mode: a pairwise grid on the 17-step scale with the live consistency ratio and the suggested correction.
 */
export function WeightsEditor({ value, onChange }: { value: WeightsValue; onChange: (v: WeightsValue) => void }) {
  const t = useT();
  const { locale } = useI18n();
  const [open, setOpen] = useState<'quality' | 'environmental' | null>(null);
  const pairs: [Pillar, Pillar][] = [['economic', 'quality'], ['economic', 'environmental'], ['quality', 'environmental']];
  const ahp = useQuery({
    queryKey: ['sourcing', 'ahp', value.ahp],
    enabled: value.method === 'ahp',
    queryFn: ({ signal }) => request<AhpAnswer>('POST', '/api/v1/sourcing/weights/ahp', {
      body: { criteria: [...PILLARS], comparisons: pairs.map(([a, b], i) => ({ a, b, value: value.ahp[i] })) }, signal,
    }),
    placeholderData: (prev) => prev,
  });
  // In AHP mode the pillar weights shown (and sent for what-ifs) are the eigenvector of the grid.
  useEffect(() => {
    if (value.method === 'ahp' && ahp.data && !ahp.isPlaceholderData) {
      const w = ahp.data.weights as Record<Pillar, number>;
      if (PILLARS.some((p) => Math.abs(w[p] - value.pillars[p]) > 1e-6)) onChange({ ...value, pillars: { ...w } });
    }
  }, [ahp.data, ahp.isPlaceholderData]); // eslint-disable-line react-hooks/exhaustive-deps

  const subSliders = (level: 'quality' | 'environmental', keys: readonly string[]) => keys.map((k) => (
    <Slider key={k} sub label={t(`sourcing.sub.${k}` as 'sourcing.sub.otif')} value={value[level][k] ?? 0}
      onChange={(v) => {
        const cur = value[level];
        const others = keys.filter((x) => x !== k);
        const rest = others.reduce((s, x) => s + (cur[x] ?? 0), 0);
        const next: Record<string, number> = { [k]: v };
        for (const x of others) next[x] = rest > 0 ? ((cur[x] ?? 0) / rest) * (1 - v) : (1 - v) / others.length;
        onChange({ ...value, [level]: next });
      }} />
  ));

  return (
    <div data-testid="weights-editor">
      <div className="segmented" role="group" aria-label={t('sourcing.weightMethod')} style={{ marginBottom: 14 }}>
        {(['direct', 'ahp'] as const).map((m) => (
          <button key={m} className={value.method === m ? 'active' : ''} aria-pressed={value.method === m} onClick={() => onChange({ ...value, method: m })}>{t(`sourcing.method.${m}`)}</button>
        ))}
      </div>
      {value.method === 'direct' ? (
        PILLARS.map((p) => <Slider key={p} label={t(pillarKey(p))} value={value.pillars[p]} testId={`slider-${p}`} onChange={(v) => onChange({ ...value, pillars: rebalance(value.pillars, p, v) })} />)
      ) : (
        <>
          <table className="src-ahp" data-testid="ahp-grid">
            <thead><tr><th>{t('sourcing.ahpCriterion')}</th><th>{t('sourcing.ahpJudgement')}</th><th>{t('sourcing.ahpVersus')}</th></tr></thead>
            <tbody>{pairs.map(([a, b], i) => (
              <tr key={`${a}-${b}`}>
                <td>{t(pillarKey(a))}</td>
                <td>
                  <select aria-label={`${t(pillarKey(a))} / ${t(pillarKey(b))}`} value={String(nearest(value.ahp[i]!))}
                    onChange={(e) => { const next = [...value.ahp] as [number, number, number]; next[i] = Number(e.target.value); onChange({ ...value, ahp: next }); }}>
                    {SCALE.map((s) => <option key={s} value={String(s)}>{scaleLabel(s)}</option>)}
                  </select>
                </td>
                <td>{t(pillarKey(b))}</td>
              </tr>
            ))}</tbody>
          </table>
          <p className="small muted">{t('sourcing.ahpScaleHint')}</p>
          {ahp.error ? <ProblemAlert error={ahp.error} /> : ahp.data ? (
            <>
              <p data-testid="ahp-cr">{t('sourcing.cr')}: <strong className={ahp.data.consistent ? '' : 'src-warn'}>{fmt(ahp.data.cr, locale, 3)}</strong>
                {' · '}{PILLARS.map((p) => `${t(pillarKey(p))} ${fmt(ahp.data!.weights[p]! * 100, locale, 0)} %`).join(' · ')}</p>
              {!ahp.data.consistent && ahp.data.mostInconsistentPair ? (
                <Alert tone="warning" title={t('sourcing.ahpInconsistent')}>
                  {t('sourcing.ahpSuggestion', {
                    a: t(pillarKey(ahp.data.mostInconsistentPair.a as Pillar)), b: t(pillarKey(ahp.data.mostInconsistentPair.b as Pillar)),
                    given: scaleLabel(ahp.data.mostInconsistentPair.given), suggested: scaleLabel(nearest(ahp.data.mostInconsistentPair.suggested)),
                  })}
                </Alert>
              ) : null}
            </>
          ) : null}
        </>
      )}
      {(['quality', 'environmental'] as const).map((level) => (
        <div key={level} style={{ marginTop: 8 }}>
          <button className="link-btn" aria-expanded={open === level} onClick={() => setOpen(open === level ? null : level)}>
            {open === level ? '▾' : '▸'} {t(`sourcing.subWeights.${level}`)}
          </button>
          {open === level ? <div style={{ marginTop: 8 }}>{subSliders(level, level === 'quality' ? QUALITY_KEYS : ENV_KEYS)}</div> : null}
        </div>
      ))}
    </div>
  );
}

export function ahpInconsistent(value: WeightsValue, cr: number | undefined) {
  return value.method === 'ahp' && cr !== undefined && cr > 0.1;
}
