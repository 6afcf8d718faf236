import type { Role } from '../../../platform/config.js';

/** Access matrix of spec §2.2. */
export const READ: Role[] = ['buyer', 'manager', 'admin'];
export const WRITE: Role[] = ['buyer', 'manager'];
export const MANAGE: Role[] = ['manager'];
export const ADMIN: Role[] = ['admin'];
