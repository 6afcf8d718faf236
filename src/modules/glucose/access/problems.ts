import { Type } from 'typebox';
import { HttpError, type FieldError } from '../../../platform/http/errors.js';

/**
 * A refusal that carries members beyond the platform's problem fields (RFC 9457 extension members), e.g. the
 * `conflictingReadingId` of a manual entry that is too close to another one.
 */
export class Refusal extends HttpError {
  constructor(status: number, code: string, detail: string, extensions: Record<string, unknown>, errors?: FieldError[]) {
    super(status, code, detail, errors, undefined, extensions);
  }
}

export const refuse = (code: string, detail: string, extensions: Record<string, unknown> = {}, errors?: FieldError[]) =>
  new Refusal(422, code, detail, extensions, errors);

/** Response schema for statuses that may carry extension members (the platform's Problem allows them). */
export const RefusalSchema = Type.Ref('Problem');
