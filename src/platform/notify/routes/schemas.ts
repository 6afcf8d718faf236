import { Type } from 'typebox';
import { USER_CHANNELS, CHANNELS, STATUSES } from '../tables.js';

export const UserChannelSchema = Type.Unsafe<(typeof USER_CHANNELS)[number]>({ type: 'string', enum: [...USER_CHANNELS] });
export const ChannelSchema = Type.Unsafe<(typeof CHANNELS)[number]>({ type: 'string', enum: [...CHANNELS] });
export const StatusSchema = Type.Unsafe<(typeof STATUSES)[number]>({ type: 'string', enum: [...STATUSES] });

export const InboxMessage = Type.Object({
  id: Type.String({ format: 'uuid' }),
  category: Type.String(),
  template: Type.String(),
  title: Type.String(),
  body: Type.String(),
  link: Type.Union([Type.String(), Type.Null()]),
  data: Type.Unknown(),
  critical: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  readAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
}, { $id: 'InboxMessage' });

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
