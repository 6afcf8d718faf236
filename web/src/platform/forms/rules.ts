/**
 * Field rules read from the API's own request schemas (web/src/api/bodies.gen.json, generated from the
 * OpenAPI spec), so a form refuses as the user types exactly what the server would refuse.
 */
import bodies from '../../api/bodies.gen.json';
import type { MessageKey } from '../i18n';

export interface JsonSchema {
  type?: string | string[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
}

export type Operation = keyof typeof bodies;

export function bodySchema(operation: Operation): JsonSchema {
  return bodies[operation] as JsonSchema;
}

export interface RuleProblem { key: MessageKey; values?: Record<string, string | number> }

// The format check of ajv-formats ("fast" mode), which the server's validator uses.
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** The branch of `T | null` that is not null. */
function concrete(schema: JsonSchema): JsonSchema {
  const branches = schema.anyOf ?? schema.oneOf;
  if (!branches) return schema;
  return branches.find((b) => b.type !== 'null') ?? schema;
}

/** The first rule `value` breaks, or null. Empty optional values pass. */
export function checkValue(schema: JsonSchema | undefined, value: unknown, required: boolean): RuleProblem | null {
  if (!schema) return null;
  const s = concrete(schema);
  const empty = value === undefined || value === null || value === '';
  if (empty) return required ? { key: 'validation.required' } : null;
  if (typeof value === 'string') {
    if (s.minLength !== undefined && [...value].length < s.minLength) {
      return s.minLength === 1 ? { key: 'validation.required' } : { key: 'validation.minLength', values: { n: s.minLength } };
    }
    if (s.maxLength !== undefined && [...value].length > s.maxLength) return { key: 'validation.maxLength', values: { n: s.maxLength } };
    if (s.format === 'email' && !EMAIL.test(value)) return { key: 'validation.email' };
    if (s.pattern && !new RegExp(s.pattern, 'u').test(value)) return { key: 'validation.pattern', values: { format: s.description ?? s.pattern } };
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { key: 'validation.number' };
    if (s.type === 'integer' && !Number.isInteger(value)) return { key: 'validation.integer' };
    if (s.minimum !== undefined && value < s.minimum) return { key: 'validation.minimum', values: { n: s.minimum } };
    if (s.maximum !== undefined && value > s.maximum) return { key: 'validation.maximum', values: { n: s.maximum } };
  }
  return null;
}

/** Problems per field of a flat body, for the fields given. */
export function checkBody(schema: JsonSchema, values: Record<string, unknown>, fields: string[]): Record<string, RuleProblem> {
  const out: Record<string, RuleProblem> = {};
  for (const field of fields) {
    const problem = checkValue(schema.properties?.[field], values[field], schema.required?.includes(field) ?? false);
    if (problem) out[field] = problem;
  }
  return out;
}

/** The password rules the server adds to the schema's length (src/platform/auth/passwords.ts). */
export function passwordProblem(password: string, email?: string): RuleProblem | null {
  if (!password) return null;
  if (email && password.toLowerCase() === email.toLowerCase()) return { key: 'validation.passwordIsEmail' };
  if (new Set(password).size < 4) return { key: 'validation.passwordVariety' };
  return null;
}
