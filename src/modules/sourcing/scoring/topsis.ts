export type Direction = 'benefit' | 'cost';
export interface Criterion { key: string; weight: number; direction: Direction }
export interface Alternative { id: string; values: Record<string, number> }

export interface TopsisResult {
  weights: Record<string, number>;
  ideal: Record<string, number>;
  antiIdeal: Record<string, number>;
  results: { id: string; closeness: number; distanceToIdeal: number; distanceToAntiIdeal: number; rank: number }[];
}

const TIE = 1e-9;

/** Competition ranking (1, 1, 3) by a value, higher first; |Δ| < 1e-9 ties. Returns rank per index. */
export function competitionRanks(values: number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => b.v - a.v);
  const ranks = Array<number>(values.length);
  order.forEach((o, pos) => {
    const prev = order[pos - 1];
    ranks[o.i] = prev && Math.abs(prev.v - o.v) < TIE ? ranks[prev.i]! : pos + 1;
  });
  return ranks;
}

/** TOPSIS (Hwang and Yoon; spec §5.6.1): vector normalisation, weighted distances to ideal and anti-ideal, closeness. */
export function topsis(criteria: Criterion[], alternatives: Alternative[]): TopsisResult {
  const total = criteria.reduce((s, c) => s + c.weight, 0);
  const w = criteria.map((c) => (total > 0 ? c.weight / total : 0));
  const n = criteria.length;
  const m = alternatives.length;
  const norms = criteria.map((c) => Math.sqrt(alternatives.reduce((s, a) => s + (a.values[c.key] ?? 0) ** 2, 0)));
  const v = alternatives.map((a) => criteria.map((c, j) => (norms[j]! === 0 ? 0 : ((a.values[c.key] ?? 0) / norms[j]!) * w[j]!)));
  const ideal = Array<number>(n);
  const anti = Array<number>(n);
  for (let j = 0; j < n; j++) {
    let max = -Infinity;
    let min = Infinity;
    for (let i = 0; i < m; i++) { const x = v[i]![j]!; if (x > max) max = x; if (x < min) min = x; }
    const benefit = criteria[j]!.direction === 'benefit';
    ideal[j] = benefit ? max : min;
    anti[j] = benefit ? min : max;
  }
  const rows = v.map((row) => {
    let sp = 0;
    let sm = 0;
    for (let j = 0; j < n; j++) { sp += (row[j]! - ideal[j]!) ** 2; sm += (row[j]! - anti[j]!) ** 2; }
    const dp = Math.sqrt(sp);
    const dm = Math.sqrt(sm);
    return { dp, dm, c: dp + dm === 0 ? 0.5 : dm / (dp + dm) };
  });
  const ranks = competitionRanks(rows.map((r) => r.c));
  const byKey = (arr: number[]) => Object.fromEntries(criteria.map((c, j) => [c.key, arr[j]!]));
  return {
    weights: byKey(w), ideal: byKey(ideal), antiIdeal: byKey(anti),
    results: alternatives.map((a, i) => ({ id: a.id, closeness: rows[i]!.c, distanceToIdeal: rows[i]!.dp, distanceToAntiIdeal: rows[i]!.dm, rank: ranks[i]! })),
  };
}

/** Weighted sum ranking (spec §5.6.2 `weighted_sum`). */
export function weightedSum(criteria: Criterion[], alternatives: Alternative[]) {
  const total = criteria.reduce((s, c) => s + c.weight, 0);
  const scores = alternatives.map((a) => criteria.reduce((s, c) => s + (total > 0 ? c.weight / total : 0) * (a.values[c.key] ?? 0), 0));
  const ranks = competitionRanks(scores);
  return alternatives.map((a, i) => ({ id: a.id, score: scores[i]!, rank: ranks[i]! }));
}
