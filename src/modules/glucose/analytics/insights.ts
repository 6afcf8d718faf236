/**
 * §5.10 pattern insights, as pure functions over the CGM series, episodes and meals of a range. Each insight
 * carries its evidence so that a clinician can check it.
 */
import { DAY_MS, MINUTE, type Series, type ZoneClock } from './grid.js';
import type { Episode } from './episodes.js';

export type InsightType = 'dawn_phenomenon' | 'nocturnal_hypoglycemia' | 'postprandial_peaks';

export interface Insight {
  type: InsightType;
  title: string;
  description: string;
  recommendation: string;
  evidence: Record<string, unknown>;
}

export const INSIGHT_TEXT: Record<InsightType, Pick<Insight, 'title' | 'description' | 'recommendation'>> = {
  dawn_phenomenon: {
    title: 'Early-morning rise (dawn phenomenon)',
    description: 'On most nights with good sensor data, glucose rose by 20 mg/dL or more between the night-time low and 06:00–08:00, without food or a low before.',
    recommendation: 'Discuss night-time basal insulin or evening routine with your clinician.',
  },
  nocturnal_hypoglycemia: {
    title: 'Lows during the night',
    description: 'Glucose went below 70 mg/dL for at least 15 minutes between midnight and 06:00 on two or more nights.',
    recommendation: 'Discuss evening insulin, bedtime snacks and low alerts with your clinician.',
  },
  postprandial_peaks: {
    title: 'High peaks after meals',
    description: 'After at least half of the meals of one type, glucose peaked above 180 mg/dL or rose by 60 mg/dL or more.',
    recommendation: 'Review meal timing, carbohydrate amounts and pre-meal insulin with your clinician.',
  },
};

export interface MealForInsight {
  id: string; takenAt: number; mealType: string; carbsG: number;
  impact: { baseline: number; peak: number; peakAt: string; rise: number } | null;
}

const COVERAGE = 0.7;
const SLOT_MIN = 5;

interface Window { fromMin: number; toMin: number }
const NIGHT: Window = { fromMin: 0, toMin: 300 };
const MORNING: Window = { fromMin: 360, toMin: 480 };

function median(x: number[]) {
  const s = [...x].sort((a, b) => a - b);
  const m = s.length;
  return m % 2 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
}

/** Readings of series in [from, to) as index range (series ascending). */
function range(s: Series, fromMs: number, toMs: number): [number, number] {
  let lo = 0, hi = s.t.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (s.t[mid] < fromMs) lo = mid + 1; else hi = mid; }
  let e = lo;
  while (e < s.t.length && s.t[e] < toMs) e++;
  return [lo, e];
}

function coverage(s: Series, [a, b]: [number, number], fromMs: number, toMs: number) {
  const slots = Math.round((toMs - fromMs) / (SLOT_MIN * MINUTE));
  const seen = new Set<number>();
  for (let i = a; i < b; i++) seen.add(Math.floor((s.t[i] - fromMs) / (SLOT_MIN * MINUTE)));
  return slots > 0 ? seen.size / slots : 0;
}

/** §5.10 dawn phenomenon, night by night over the local dates of [from, to). */
export function dawnPhenomenon(cgm: Series, meals: MealForInsight[], clock: ZoneClock, fromMs: number, toMs: number): Insight | null {
  const nights: { date: string; nadir: number; nadirAt: string; morningMean: number; rise: number; flagged: boolean }[] = [];
  const firstDay = clock.localDay(fromMs), lastDay = clock.localDay(toMs - 1);
  for (let day = firstDay; day <= lastDay; day++) {
    const at = (w: number) => clock.instant(day * DAY_MS + w * MINUTE) ?? day * DAY_MS + w * MINUTE - clock.offset(day * DAY_MS) * MINUTE;
    const n0 = at(NIGHT.fromMin), n1 = at(NIGHT.toMin), m0 = at(MORNING.fromMin), m1 = at(MORNING.toMin);
    if (n0 < fromMs || m1 > toMs) continue;
    const night = range(cgm, n0, n1), morning = range(cgm, m0, m1);
    if (coverage(cgm, night, n0, n1) < COVERAGE || coverage(cgm, morning, m0, m1) < COVERAGE) continue;
    if (meals.some((m) => m.takenAt >= n0 && m.takenAt < m1)) continue;
    let nadir = Infinity, nadirAt = 0, low = false;
    for (let i = night[0]; i < night[1]; i++) {
      if (cgm.v[i] < 70) low = true;
      if (cgm.v[i] < nadir) { nadir = cgm.v[i]; nadirAt = cgm.t[i]; }
    }
    if (low) continue;
    let sum = 0;
    for (let i = morning[0]; i < morning[1]; i++) sum += cgm.v[i];
    const morningMean = sum / (morning[1] - morning[0]);
    const rise = morningMean - nadir;
    nights.push({ date: new Date(day * DAY_MS).toISOString().slice(0, 10), nadir, nadirAt: new Date(nadirAt).toISOString(), morningMean, rise, flagged: rise >= 20 });
  }
  const flagged = nights.filter((n) => n.flagged);
  if (nights.length < 5 || flagged.length < 3 || flagged.length < 0.5 * nights.length) return null;
  const notable = median(flagged.map((n) => n.rise)) >= 40 || flagged.some((n) => n.morningMean > 180);
  return {
    type: 'dawn_phenomenon', ...INSIGHT_TEXT.dawn_phenomenon,
    evidence: {
      eligibleNights: nights.length, flaggedNights: flagged.length, notable,
      nights: flagged.map(({ flagged: _f, ...n }) => n),
    },
  };
}

/** §5.10 nocturnal hypoglycaemia: nocturnal hypo episodes on at least two different nights. */
export function nocturnalHypoglycemia(episodes: Episode[], clock: ZoneClock): Insight | null {
  const nocturnal = episodes.filter((e) => e.kind === 'hypo' && e.nocturnal);
  const nights = new Set(nocturnal.map((e) => clock.localDay(e.start)));
  if (nights.size < 2) return null;
  return {
    type: 'nocturnal_hypoglycemia', ...INSIGHT_TEXT.nocturnal_hypoglycemia,
    evidence: {
      nights: nights.size, level2: nocturnal.some((e) => e.level === 2),
      episodes: nocturnal.map((e) => ({
        level: e.level, start: new Date(e.start).toISOString(), end: new Date(e.end).toISOString(), durationMin: e.durationMin,
        nadir: e.extremeValue, nadirAt: new Date(e.extremeAt).toISOString(),
      })),
    },
  };
}

/** §5.10 post-prandial peaks: per meal type, ≥ 3 flagged meals (peak > 180 or rise ≥ 60) making ≥ 50 % of the evaluable ones. */
export function postprandialPeaks(meals: MealForInsight[]): Insight | null {
  const byType = new Map<string, MealForInsight[]>();
  for (const m of meals) if (m.impact) byType.set(m.mealType, [...(byType.get(m.mealType) ?? []), m]);
  const patterns: { mealType: string; evaluable: number; flagged: number; meals: unknown[] }[] = [];
  for (const [mealType, list] of byType) {
    const flagged = list.filter((m) => m.impact!.peak > 180 || m.impact!.rise >= 60);
    if (flagged.length >= 3 && flagged.length >= 0.5 * list.length) {
      patterns.push({
        mealType, evaluable: list.length, flagged: flagged.length,
        meals: flagged.map((m) => ({ mealId: m.id, takenAt: new Date(m.takenAt).toISOString(), carbsG: m.carbsG, baseline: m.impact!.baseline, peak: m.impact!.peak, peakAt: m.impact!.peakAt, rise: m.impact!.rise })),
      });
    }
  }
  if (!patterns.length) return null;
  return { type: 'postprandial_peaks', ...INSIGHT_TEXT.postprandial_peaks, evidence: { mealTypes: patterns } };
}

export function detectInsights(cgm: Series, episodes: Episode[], meals: MealForInsight[], clock: ZoneClock, fromMs: number, toMs: number): Insight[] {
  return [dawnPhenomenon(cgm, meals, clock, fromMs, toMs), nocturnalHypoglycemia(episodes, clock), postprandialPeaks(meals)].filter((x): x is Insight => x !== null);
}
