import type { ClientFactory, HttpClient } from '../../clients/index.js';
import { providerError, type Channel, type Delivery } from './types.js';

/** A generic JSON POST; receivers deduplicate on `id` (also sent as Idempotency-Key), so retrying is safe. */
export class WebhookChannel implements Channel {
  readonly name = 'webhook' as const;
  readonly configured = true;
  private readonly http: HttpClient;

  constructor(clients: ClientFactory) {
    this.http = clients.client({ target: 'webhook' });
  }

  async deliver(delivery: Delivery) {
    try {
      const res = await this.http.request({
        method: 'POST',
        path: delivery.address!,
        headers: { 'idempotency-key': delivery.outboxId, 'user-agent': 'Atrium-Notify/1' },
        json: {
          id: delivery.outboxId, category: delivery.category, template: delivery.template, critical: delivery.critical,
          title: delivery.message.title, body: delivery.message.body, link: delivery.message.link ?? null, data: delivery.data,
          sentAt: new Date().toISOString(),
        },
        retryable: true,
      });
      return { status: 'sent' as const, providerId: null, providerStatus: String(res.status) };
    } catch (err) {
      throw providerError(err, (body) => ({ code: body.code ?? body.error, message: body.message ?? body.error_description }));
    }
  }
}

const RED = 0xd32f2f;
/** Discord rejects over-long embed parts: cut with an ellipsis instead. */
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const AMBER = 0xf57c00;

/** Discord's webhook format: `{content, embeds}`; `?wait=true` makes Discord answer with the message (and its id). */
export class DiscordChannel implements Channel {
  readonly name = 'discord' as const;
  readonly configured = true;
  private readonly http: HttpClient;

  constructor(clients: ClientFactory) {
    this.http = clients.client({ target: 'discord' });
  }

  async deliver(delivery: Delivery) {
    const { message } = delivery;
    try {
      const res = await this.http.request({
        method: 'POST',
        path: delivery.address!,
        query: { wait: 'true' },
        json: {
          content: `${delivery.critical ? '🚨 ' : ''}${message.title}`.slice(0, 2000),
          embeds: [{
            title: message.title.slice(0, 256),
            description: message.body.slice(0, 4096),
            url: message.link,
            color: message.embed?.color ?? (delivery.critical ? RED : AMBER),
            timestamp: new Date().toISOString(),
            fields: message.embed?.fields?.slice(0, 25).map((f) => ({ name: cut(f.name, 256), value: cut(f.value, 1024), inline: f.inline ?? true })),
            footer: { text: cut(message.embed?.footer ?? `${delivery.category} · ${delivery.template}`, 2048) },
          }],
          allowed_mentions: { parse: [] },
        },
        // Ops alerts: a rare duplicate after a timeout beats a lost alert.
        retryable: true,
      });
      const body = res.text ? res.json<{ id?: string }>() : {};
      return { status: 'sent' as const, providerId: body.id ?? null, providerStatus: String(res.status) };
    } catch (err) {
      throw providerError(err, (body) => ({ code: body.code, message: body.message }));
    }
  }
}
