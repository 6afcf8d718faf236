import { Type } from 'typebox';
import { ahp, normaliseWeights, requireConsistent } from '../scoring/ahp.js';
import { globalWeights, type WeightSet } from '../scoring/combine.js';
import { DEFAULT_PARAMS, type EnvironmentalWeights, type PillarWeights, type QualityWeights } from '../scoring/params.js';

const N = Type.Number();
const Matrix = Type.Array(Type.Array(Type.Number()), { maxItems: 10 });
export const WeightsInput = Type.Object({
  method: Type.Union([Type.Literal('direct'), Type.Literal('ahp')]),
  pillars: Type.Optional(Type.Object({ economic: N, quality: N, environmental: N }, { additionalProperties: false })),
  sub: Type.Optional(Type.Object({
    quality: Type.Optional(Type.Object({ certification: N, defects: N, otif: N, audit: N, leadTimeStability: N }, { additionalProperties: false })),
    environmental: Type.Optional(Type.Object({ transport: N, certifications: N, packaging: N, origin: N, renewable: N }, { additionalProperties: false })),
  }, { additionalProperties: false })),
  matrices: Type.Optional(Type.Object({ pillars: Type.Optional(Matrix), quality: Type.Optional(Matrix), environmental: Type.Optional(Matrix) }, { additionalProperties: false })),
}, { additionalProperties: false });

export interface WeightSnapshot extends WeightSet {
  method: 'direct' | 'ahp';
  global: Record<string, number>;
  matrices: Record<string, number[][]> | null;
  consistency: Record<string, number> | null;
}

const KEYS = {
  pillars: ['economic', 'quality', 'environmental'],
  quality: ['certification', 'defects', 'otif', 'audit', 'leadTimeStability'],
  environmental: ['transport', 'certifications', 'packaging', 'origin', 'renewable'],
} as const;

/**
 * Resolves the weights of an assessment or profile (spec §5.5): direct weights normalised; AHP matrices checked
 * (CR ≤ 0.10 or 422 ahp_inconsistent) and turned into weights. Missing levels take the defaults.
 */
export function resolveWeights(input: any | undefined): WeightSnapshot {
  const method = input?.method ?? 'direct';
  let pillars: PillarWeights = DEFAULT_PARAMS.pillars;
  let quality: QualityWeights = DEFAULT_PARAMS.quality.weights;
  let environmental: EnvironmentalWeights = DEFAULT_PARAMS.environmental.weights;
  const consistency: Record<string, number> = {};
  const matrices: Record<string, number[][]> = {};
  if (method === 'ahp') {
    for (const level of ['pillars', 'quality', 'environmental'] as const) {
      const m = input.matrices?.[level];
      if (!m) continue;
      const res = ahp([...KEYS[level]], m);
      requireConsistent(res, `weights.matrices.${level}`);
      consistency[level] = res.cr;
      matrices[level] = m;
      if (level === 'pillars') pillars = res.weights as unknown as PillarWeights;
      if (level === 'quality') quality = res.weights as unknown as QualityWeights;
      if (level === 'environmental') environmental = res.weights as unknown as EnvironmentalWeights;
    }
  }
  if (input?.pillars && !matrices.pillars) pillars = normaliseWeights(input.pillars, 'weights.pillars');
  if (input?.sub?.quality && !matrices.quality) quality = normaliseWeights(input.sub.quality, 'weights.sub.quality');
  if (input?.sub?.environmental && !matrices.environmental) environmental = normaliseWeights(input.sub.environmental, 'weights.sub.environmental');
  const set = { pillars, quality, environmental };
  return { method, ...set, global: globalWeights(set), matrices: Object.keys(matrices).length ? matrices : null, consistency: Object.keys(consistency).length ? consistency : null };
}
