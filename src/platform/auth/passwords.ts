import { hash, verify } from '@node-rs/argon2';
import type { FieldError } from '../http/errors.js';

const OPTIONS = { algorithm: 2 /* Algorithm.Argon2id (a const enum) */, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

// Verifying against this hash when the account does not exist keeps login timing the same either way.
let dummyHash: Promise<string> | undefined;
export const burnPasswordCheck = async (password: string) => {
  dummyHash ??= hashPassword('atrium-timing-equaliser');
  await verifyPassword(await dummyHash, password);
};

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/** The password rules, shared by register, change and reset (and the web forms through the schema). */
export function passwordProblems(password: string, email: string | undefined, path: string): FieldError[] {
  if (email && password.toLowerCase() === email.toLowerCase()) return [{ path, message: 'must not be your email address' }];
  if (new Set(password).size < 4) return [{ path, message: 'must use at least 4 different characters' }];
  return [];
}
