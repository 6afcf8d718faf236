import { resource } from '../http/resource.js';

export const assessments = resource('sourcing.assessments', 'sourcing.assessment', 'assessment', {
  title: ['title', 'text'], materialId: ['material_id', 'uuid'], destinationId: ['destination_id', 'uuid'], annualQuantity: ['annual_quantity', 'number'],
  assessmentDate: ['assessment_date', 'date'], status: ['status', 'text'], rankingMethod: ['ranking_method', 'text'], weightProfileId: ['weight_profile_id', 'uuid'],
  weights: ['weights', 'json'], factorSetId: ['factor_set_id', 'uuid'], parametersVersion: ['parameters_version', 'number'], fxAsOf: ['fx_as_of', 'date'],
  engineVersion: ['engine_version', 'text'], stale: ['stale', 'bool'], scoredAt: ['scored_at', 'timestamp'], submittedAt: ['submitted_at', 'timestamp'],
  approvedAt: ['approved_at', 'timestamp'], approvedBy: ['approved_by', 'uuid'], returnComment: ['return_comment', 'text'], nextReviewOn: ['next_review_on', 'date'],
  notes: ['notes', 'text'],
});
