import type { Role } from '../../modules';

/** Every role, in the order the API lists them (ARCHITECTURE.md, identity and access). */
export const ROLES: Role[] = ['admin', 'patient', 'clinician', 'caregiver', 'buyer', 'staff', 'manager', 'supervisor', 'gaveur'];
