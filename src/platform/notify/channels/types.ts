import type { ChannelName } from '../tables.js';
import type { Locale, RenderedMessage } from '../types.js';
import { OutboundHttpError } from '../../clients/index.js';

/** One outbox row, rendered and with its address resolved, as a channel receives it. */
export interface Delivery {
  outboxId: string;
  /** Shared by the rows of one message to one recipient (one inbox entry at most). */
  messageId: string;
  userId: string | null;
  /** Email, E.164 number or URL; for push, the user's device tokens instead. */
  address?: string;
  devices?: { id: string; token: string }[];
  locale: Locale;
  critical: boolean;
  category: string;
  template: string;
  message: RenderedMessage;
  data: Record<string, unknown>;
}

export interface DeliveryOutcome {
  /** `delivered` when the channel knows the person has it (the inbox); `sent` when a provider accepted it. */
  status: 'sent' | 'delivered';
  providerId?: string | null;
  providerStatus?: string | null;
}

/** A failed delivery, with the provider's own code and message. `transient` failures are retried by the job. */
export class DeliveryError extends Error {
  constructor(readonly code: string, message: string, readonly transient: boolean, readonly providerStatus?: string) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface Channel {
  readonly name: ChannelName;
  /** False when credentials are missing: the message is kept as `not_configured`, never reported sent. */
  readonly configured: boolean;
  /** Says what to set when not configured. */
  readonly missing?: string;
  deliver(delivery: Delivery): Promise<DeliveryOutcome>;
}

/**
 * Turns an outbound failure into a DeliveryError, keeping the code and message the provider put in its
 * body (`provider` reads them from the parsed JSON) or, failing that, the HTTP status or network failure.
 */
export function providerError(err: unknown, provider: (body: any) => { code?: unknown; message?: unknown } | undefined): DeliveryError {
  if (!(err instanceof OutboundHttpError)) return err instanceof DeliveryError ? err : new DeliveryError('internal_error', String((err as Error)?.message ?? err), true);
  if (err.failure !== 'http_status') return new DeliveryError(err.failure, err.message, true);
  const body = err.json();
  const fields = body && typeof body === 'object' ? provider(body) : undefined;
  const code = fields?.code !== undefined && fields.code !== null ? String(fields.code) : `http_${err.status}`;
  const message = typeof fields?.message === 'string' && fields.message ? fields.message : (err.body?.slice(0, 500) || err.message);
  return new DeliveryError(code, message, err.transient, String(err.status));
}
