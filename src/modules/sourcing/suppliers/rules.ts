import { conflict, unprocessable, type FieldError } from '../../../platform/http/errors.js';

/** Impossible values are 422 with the fields named (spec §11). */
export function check(problems: (FieldError | false | undefined | null)[]) {
  const errors = problems.filter((p): p is FieldError => !!p);
  if (errors.length) throw unprocessable('invalid_values', 'Some values are impossible; see errors.', errors);
}
export const outside = (v: unknown, lo: number, hi: number, path: string, inclusiveLo = true): FieldError | false =>
  typeof v === 'number' && (inclusiveLo ? v < lo : v <= lo) || typeof v === 'number' && v > hi ? { path, message: `must be within ${lo}…${hi}` } : false;

/** Supplier status machine of spec §3.3: active ⇄ on_hold ⇄ blocked; archiving is DELETE, restoring its own route. */
const MOVES: Record<string, string[]> = { active: ['on_hold'], on_hold: ['active', 'blocked'], blocked: ['on_hold'] };
export function checkSupplierMove(from: string, to: string, reason: string | null | undefined) {
  if (from === to) return;
  if (!MOVES[from]?.includes(to)) throw conflict('invalid_transition', `A supplier cannot go from ${from} to ${to}.`);
  if (to === 'blocked' && !reason?.trim()) throw unprocessable('reason_required', 'Blocking a supplier needs a reason.', [{ path: 'body.statusReason', message: 'is required' }]);
}
