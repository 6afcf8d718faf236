import type { ChannelStates, NotificationStatus } from './tables.js';

/** An outbox row of one notification channel, as far as its outcome goes. */
export interface OutboxOutcome {
  id: string;
  channel: string;
  status: string;
  error_message: string | null;
  sent_at: Date | string | null;
}

const DONE = new Set(['sent', 'delivered']);
const LOST = new Set(['failed', 'not_configured', 'suppressed']);

/** The channel name of a notification's outbox message, from its dedup key (`…:webhook` / `…:email`). */
export const channelOfKey = (dedupKey: string) => dedupKey.slice(dedupKey.lastIndexOf(':') + 1);

/**
 * Folds outbox rows into per-channel states: a channel is `delivered` when every one of its messages was
 * accepted by the provider, `failed` when any ended without delivery, else `queued` (retries may still land).
 */
export function channelStates(rows: (OutboxOutcome & { notificationChannel?: string })[]): ChannelStates {
  const byChannel = new Map<string, (OutboxOutcome)[]>();
  for (const r of rows) {
    const name = r.notificationChannel ?? r.channel;
    byChannel.set(name, [...(byChannel.get(name) ?? []), r]);
  }
  const states: ChannelStates = {};
  for (const [name, list] of byChannel) {
    const failed = list.find((r) => LOST.has(r.status));
    const allDone = list.every((r) => DONE.has(r.status));
    const deliveredAt = allDone ? list.map((r) => (r.sent_at ? new Date(r.sent_at).toISOString() : null)).sort().at(-1) ?? null : null;
    states[name] = {
      status: failed ? 'failed' : allDone ? 'delivered' : 'queued',
      outboxId: list[0]!.id,
      deliveredAt,
      error: failed ? `${failed.status}: ${failed.error_message ?? ''}`.trim() : null,
    };
  }
  return states;
}

/** A notification is delivered when all its channels are, failed as soon as one failed for good. */
export function notificationStatus(states: ChannelStates): NotificationStatus {
  const values = Object.values(states);
  if (values.length === 0) return 'queued';
  if (values.some((s) => s.status === 'failed')) return 'failed';
  return values.every((s) => s.status === 'delivered') ? 'delivered' : 'queued';
}
