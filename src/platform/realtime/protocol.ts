/**
 * The frames of GET /api/v1/stream (docs/realtime.md). Every frame is a JSON object whose `type` says
 * what kind of frame it is; an event's own name travels in `event`, so it never collides with `type`.
 */
export type ClientFrame =
  | { type: 'subscribe'; topic: string }
  | { type: 'unsubscribe'; topic: string }
  | { type: 'ping' };

export type ServerFrame =
  | { type: 'subscribed'; topic: string }
  | { type: 'unsubscribed'; topic: string }
  | { type: 'event'; topic: string; event: string; data: unknown; id: string }
  | { type: 'pong' }
  | { type: 'error'; code: ErrorCode; message: string; topic?: string };

export type ErrorCode =
  | 'malformed_frame'
  | 'invalid_topic'
  | 'unknown_topic'
  | 'forbidden_topic'
  | 'too_many_subscriptions'
  | 'subscription_revoked'
  | 'internal_error';

/** WebSocket close codes the server uses (4000–4999 are the application's own). */
export const CloseCode = {
  shuttingDown: 1001,
  sessionEnded: 4001,
  totpRequired: 4003,
  slowConsumer: 4008,
} as const;

/** `<prefix>` or `<prefix>:<key>`; the prefix names a declared topic family. */
const TOPIC = /^([a-z][a-z0-9_.-]{0,63})(?::([A-Za-z0-9_.:@-]{1,128}))?$/;

export function parseTopic(topic: string): { prefix: string; key: string } | undefined {
  const match = TOPIC.exec(topic);
  return match ? { prefix: match[1], key: match[2] ?? '' } : undefined;
}

export const isTopicPrefix = (prefix: string) => /^[a-z][a-z0-9_.-]{0,63}$/.test(prefix);

export type Parsed = { frame: ClientFrame } | { error: string; topic?: string };

/** Reads one client frame; anything else is described in `error` and answered with `malformed_frame`. */
export function parseClientFrame(raw: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { error: 'A frame must be a JSON object.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'A frame must be a JSON object.' };
  const { type, topic } = value as { type?: unknown; topic?: unknown };
  if (type === 'ping') return { frame: { type: 'ping' } };
  if (type === 'subscribe' || type === 'unsubscribe') {
    if (typeof topic !== 'string' || topic.length === 0) return { error: `A ${type} frame needs a topic string.` };
    return { frame: { type, topic } };
  }
  return { error: 'Unknown frame type; use subscribe, unsubscribe or ping.' };
}
