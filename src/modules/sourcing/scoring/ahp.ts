import { HttpError } from '../../../platform/http/errors.js';

/** Saaty's random consistency index by matrix size. */
const RI: Record<number, number> = { 1: 0, 2: 0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49 };
const SCALE = [1 / 9, 1 / 8, 1 / 7, 1 / 6, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1, 2, 3, 4, 5, 6, 7, 8, 9];

const invalid = (detail: string, path: string) => new HttpError(422, 'ahp_matrix_invalid', detail, [{ path, message: detail }]);

/** Builds the full matrix from `comparisons` (each unordered pair once: a over b = value). */
export function matrixFromComparisons(criteria: string[], comparisons: { a: string; b: string; value: number }[]): number[][] {
  const n = criteria.length;
  const idx = new Map(criteria.map((c, i) => [c, i]));
  const m = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : NaN)));
  for (const [k, c] of comparisons.entries()) {
    const i = idx.get(c.a);
    const j = idx.get(c.b);
    if (i === undefined || j === undefined || i === j) throw invalid(`Comparison ${k} names an unknown or identical criterion.`, `comparisons.${k}`);
    if (!Number.isNaN(m[i]![j]!)) throw invalid(`The pair ${c.a}/${c.b} is given twice.`, `comparisons.${k}`);
    m[i]![j] = c.value;
    m[j]![i] = 1 / c.value;
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    if (Number.isNaN(m[i]![j]!)) throw invalid(`The pair ${criteria[i]}/${criteria[j]} is missing.`, 'comparisons');
  }
  return m;
}

export function validateMatrix(m: number[][], n: number) {
  if (n < 2 || n > 10) throw invalid('AHP needs 2 to 10 criteria.', 'criteria');
  if (m.length !== n || m.some((row) => row.length !== n)) throw invalid(`The matrix must be ${n}×${n}.`, 'matrix');
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const a = m[i]![j]!;
    if (i === j) { if (Math.abs(a - 1) > 1e-6) throw invalid(`Cell [${i}][${j}] must be 1.`, `matrix.${i}.${j}`); continue; }
    if (!(a >= 1 / 9 - 1e-9 && a <= 9 + 1e-9)) throw invalid(`Cell [${i}][${j}] is outside 1/9…9.`, `matrix.${i}.${j}`);
    if (Math.abs(a * m[j]![i]! - 1) > 1e-6) throw invalid(`Cell [${i}][${j}] is not the reciprocal of [${j}][${i}].`, `matrix.${i}.${j}`);
  }
}

export interface AhpResult {
  weights: Record<string, number>; lambdaMax: number; ci: number; ri: number; cr: number; consistent: boolean;
  mostInconsistentPair: { a: string; b: string; given: number; implied: number; suggested: number } | null;
}

/** AHP (spec §5.5.2): principal eigenvector by power iteration, λmax, CI, CR and the most inconsistent pair. */
export function ahp(criteria: string[], matrix: number[][], maxCr = 0.10): AhpResult {
  const n = criteria.length;
  validateMatrix(matrix, n);
  let w = Array<number>(n).fill(1 / n);
  for (let k = 0; k < 1000; k++) {
    const aw = matrix.map((row) => row.reduce((s, a, j) => s + a * w[j]!, 0));
    const sum = aw.reduce((s, x) => s + x, 0);
    const next = aw.map((x) => x / sum);
    const delta = Math.max(...next.map((x, i) => Math.abs(x - w[i]!)));
    w = next;
    if (delta < 1e-12) break;
  }
  const aw = matrix.map((row) => row.reduce((s, a, j) => s + a * w[j]!, 0));
  const lambdaMax = aw.reduce((s, x, i) => s + x / w[i]!, 0) / n;
  const ci = n <= 2 ? 0 : (lambdaMax - n) / (n - 1);
  const ri = RI[n]!;
  const cr = n <= 2 ? 0 : ci / ri;
  let pair: AhpResult['mostInconsistentPair'] = null;
  let worst = -Infinity;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    const a = matrix[i]![j]!;
    const e = Math.max((a * w[j]!) / w[i]!, w[i]! / (a * w[j]!));
    if (e > worst * (1 + 1e-9)) {
      worst = e;
      const implied = w[i]! / w[j]!;
      const suggested = SCALE.reduce((best, s) => (Math.abs(s - implied) < Math.abs(best - implied) ? s : best));
      pair = { a: criteria[i]!, b: criteria[j]!, given: a, implied, suggested };
    }
  }
  return {
    weights: Object.fromEntries(criteria.map((c, i) => [c, w[i]!])), lambdaMax, ci, ri, cr, consistent: cr <= maxCr + 1e-12,
    mostInconsistentPair: n <= 1 ? null : pair,
  };
}

/** Throws 422 ahp_inconsistent when the CR exceeds the limit (saving a profile or an assessment). */
export function requireConsistent(result: AhpResult, path: string) {
  if (!result.consistent) {
    const pair = result.mostInconsistentPair;
    throw new HttpError(422, 'ahp_inconsistent', `The ${path} comparisons are inconsistent (CR ${result.cr.toFixed(2)} > 0.10).`, [
      { path: `${path}.cr`, message: result.cr.toFixed(4) },
      { path: `${path}.mostInconsistentPair`, message: pair ? `${pair.a}/${pair.b}: given ${pair.given}, implied ${pair.implied.toFixed(2)}, suggested ${pair.suggested}` : 'none' },
    ]);
  }
}

/** Direct weights (spec §5.5.1): non-negative, not all zero, divided by their sum. */
export function normaliseWeights<K extends string>(weights: Record<K, number>, path = 'weights'): Record<K, number> {
  const entries = Object.entries(weights) as [K, number][];
  if (entries.some(([, v]) => !(v >= 0) || !Number.isFinite(v))) throw new HttpError(422, 'weights_invalid', 'Weights must be non-negative numbers.', [{ path, message: 'negative or not a number' }]);
  const sum = entries.reduce((s, [, v]) => s + v, 0);
  if (sum <= 0) throw new HttpError(422, 'weights_invalid', 'At least one weight must be above zero.', [{ path, message: 'all zero' }]);
  return Object.fromEntries(entries.map(([k, v]) => [k, v / sum])) as Record<K, number>;
}
