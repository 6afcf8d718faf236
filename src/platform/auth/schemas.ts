import { Type, type Static } from 'typebox';
import { ROLES, type Role } from '../config.js';
import { PASSWORD_MAX, PASSWORD_MIN } from './passwords.js';

export const RoleSchema = Type.Unsafe<Role>({ type: 'string', enum: [...ROLES] });
export const Email = Type.String({ format: 'email', maxLength: 254, description: 'Email address' });
export const Password = Type.String({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, description: `${PASSWORD_MIN} to ${PASSWORD_MAX} characters` });
export const DisplayName = Type.String({ minLength: 1, maxLength: 120 });
export const Phone = Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164, e.g. +33612345678' });
export const TimeOfDay = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, local time' });
export const TimeZone = Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Paris' });

export const QuietHours = Type.Object({
  start: TimeOfDay,
  end: TimeOfDay,
  allowCritical: Type.Boolean({ description: 'Critical messages still arrive during quiet hours' }),
});

export const User = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  displayName: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  locale: Type.Union([Type.Literal('en'), Type.Literal('fr')]),
  timeZone: Type.String(),
  glucoseUnit: Type.Union([Type.Literal('mg/dL'), Type.Literal('mmol/L')]),
  lowThresholdMgdl: Type.Integer(),
  highThresholdMgdl: Type.Integer(),
  quietHours: Type.Union([QuietHours, Type.Null()]),
  roles: Type.Array(RoleSchema),
  totpEnabled: Type.Boolean(),
  status: Type.Union([Type.Literal('active'), Type.Literal('locked')]),
  createdAt: Type.String({ format: 'date-time' }),
}, { $id: 'User' });
export type UserDto = Static<typeof User>;

export const TokenResponse = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  expiresIn: Type.Integer({ description: 'Seconds until the access token expires' }),
  user: Type.Ref('User'),
  totpEnrollmentRequired: Type.Optional(Type.Boolean({ description: 'One of your roles requires two-factor; enrol before using other routes' })),
}, { $id: 'TokenResponse' });

export const MfaChallenge = Type.Object({
  mfaRequired: Type.Literal(true),
  mfaToken: Type.String({ description: 'Send with a TOTP or recovery code to POST /api/v1/auth/login/totp within 5 minutes' }),
}, { $id: 'MfaChallenge' });

export const SHARED_AUTH_SCHEMAS = [User, TokenResponse, MfaChallenge];
