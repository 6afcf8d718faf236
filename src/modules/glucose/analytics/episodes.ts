/**
 * §5.9: hypo- and hyperglycaemia episodes (2017 international consensus on CGM use).
 */
import { MINUTE, type Series, type ZoneClock } from './grid.js';

export type EpisodeKind = 'hypo' | 'hyper';
export interface Episode {
  kind: EpisodeKind;
  level: 1 | 2;
  start: number;
  end: number;
  durationMin: number;
  extremeValue: number;
  extremeAt: number;
  nocturnal: boolean;
}

/** The four thresholds: hypo < 54 (level 2), < 70 (level 1); hyper > 180 (level 1), > 250 (level 2). */
export const EPISODE_THRESHOLDS: { kind: EpisodeKind; level: 1 | 2; beyond: (g: number) => boolean }[] = [
  { kind: 'hypo', level: 1, beyond: (g) => g < 70 },
  { kind: 'hypo', level: 2, beyond: (g) => g < 54 },
  { kind: 'hyper', level: 1, beyond: (g) => g > 180 },
  { kind: 'hyper', level: 2, beyond: (g) => g > 250 },
];

const MAX_STEP_MIN = 15;
const MIN_DURATION_MIN = 15;

/**
 * Runs of consecutive readings beyond the threshold with no interval > 15 min, runs ≤ 15 min apart merged; an
 * episode lasts from the run's first reading to the first reading back on the safe side (or the last reading
 * + dt0 when the trace stops or a gap follows) and counts from 15 minutes.
 */
export function episodesFor(series: Series, threshold: (typeof EPISODE_THRESHOLDS)[number], dt0: number, clock: ZoneClock): Episode[] {
  const { t, v } = series;
  const n = t.length;
  const step = MAX_STEP_MIN * MINUTE;
  const runs: [number, number][] = [];
  let i = 0;
  while (i < n) {
    if (!threshold.beyond(v[i])) { i++; continue; }
    let e = i;
    while (e + 1 < n && threshold.beyond(v[e + 1]) && t[e + 1] - t[e] <= step) e++;
    const last = runs[runs.length - 1];
    if (last && t[i] - t[last[1]] <= step) last[1] = e;
    else runs.push([i, e]);
    i = e + 1;
  }
  const out: Episode[] = [];
  for (const [s, e] of runs) {
    const next = e + 1 < n && !threshold.beyond(v[e + 1]) && t[e + 1] - t[e] <= step ? t[e + 1] : t[e] + dt0 * MINUTE;
    const durationMin = (next - t[s]) / MINUTE;
    if (durationMin < MIN_DURATION_MIN) continue;
    let extreme = s;
    for (let k = s + 1; k <= e; k++) {
      if (threshold.kind === 'hypo' ? v[k] < v[extreme] : v[k] > v[extreme]) extreme = k;
    }
    const localMinute = Math.floor((clock.wall(t[s]) % 86_400_000 + 86_400_000) % 86_400_000 / MINUTE);
    out.push({
      kind: threshold.kind, level: threshold.level, start: t[s], end: next, durationMin,
      extremeValue: v[extreme], extremeAt: t[extreme], nocturnal: localMinute < 360,
    });
  }
  return out;
}

/** All episodes of the four thresholds, ordered by start. */
export function findEpisodes(series: Series, dt0: number | null, clock: ZoneClock): Episode[] {
  const all = EPISODE_THRESHOLDS.flatMap((th) => episodesFor(series, th, dt0 ?? 5, clock));
  return all.sort((a, b) => a.start - b.start || a.level - b.level);
}

export function countEpisodes(episodes: Episode[]) {
  const count = (kind: EpisodeKind, level: 1 | 2) => episodes.filter((e) => e.kind === kind && e.level === level).length;
  return { hypoL1: count('hypo', 1), hypoL2: count('hypo', 2), hyperL1: count('hyper', 1), hyperL2: count('hyper', 2) };
}
