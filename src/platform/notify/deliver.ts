import type { FastifyBaseLogger } from 'fastify';
import { sql, type Selectable } from 'kysely';
import type { Counter } from 'prom-client';
import type { Db } from '../db/pool.js';
import type { RealtimeService } from '../realtime/types.js';
import { DeliveryError, type Channel, type Delivery } from './channels/types.js';
import type { EmailChannel } from './channels/email.js';
import { addToInbox } from './inbox.js';
import type { ChannelName, NotificationOutboxTable, OutboxStatus } from './tables.js';
import type { TemplateRegistry } from './templates.js';
import type { RenderedMessage } from './types.js';

type OutboxRow = Selectable<NotificationOutboxTable>;

export interface DelivererDeps {
  db: Db;
  templates: TemplateRegistry;
  channels: Map<ChannelName, Channel>;
  realtime: () => RealtimeService | undefined;
  log: FastifyBaseLogger;
  delivered: Counter<'channel' | 'status'>;
}

/** Thrown to make the job retry: the provider may take the message later. */
export class RetryLater extends Error {
  constructor(readonly delivery: DeliveryError) {
    super(`${delivery.code}: ${delivery.message}`);
    this.name = 'RetryLater';
  }
}

/** Delivers one outbox row: claims it, renders it, calls its channel and records what the provider said. */
export class Deliverer {
  constructor(private readonly deps: DelivererDeps) {}

  /**
   * `lastAttempt`: a transient failure becomes `failed` instead of a retry. Answers the row's status;
   * throws RetryLater when the job should try again.
   */
  async deliver(id: string, lastAttempt: boolean): Promise<OutboxStatus | undefined> {
    const { db } = this.deps;
    const row = await db.updateTable('platform.notification_outbox')
      .set({ status: 'sending', attempts: sql`attempts + 1`, updated_at: sql`now()`, dispatched_at: sql`now()` })
      .where('id', '=', id).where('status', 'in', ['pending', 'deferred']).where('deliver_after', '<=', sql<Date>`now()`)
      .returningAll().executeTakeFirst();
    if (!row) {
      // Already delivered by another attempt, or not yet due (the sweeper comes back for it).
      const current = await db.selectFrom('platform.notification_outbox').select('status').where('id', '=', id).executeTakeFirst();
      return current?.status;
    }

    let message: RenderedMessage;
    try {
      message = this.deps.templates.render(row.template, row.locale, row.data);
    } catch (err) {
      return this.finish(row, undefined, 'failed', { code: 'template_error', message: (err as Error).message });
    }
    const channel = this.deps.channels.get(row.channel)!;
    const delivery = await this.resolve(row, message);
    if (!channel.configured) {
      if (row.channel === 'email' && delivery.address) (channel as EmailChannel).logUnsent(delivery);
      return this.finish(row, message, 'not_configured', { code: 'not_configured', message: `${row.channel} is not configured: set ${channel.missing ?? 'its credentials'}` });
    }
    if (row.channel === 'push' ? !delivery.devices?.length : row.channel !== 'inapp' && !delivery.address) {
      return this.finish(row, message, 'suppressed', { code: 'no_address', message: NO_ADDRESS[row.channel] ?? 'no address' });
    }

    try {
      const outcome = await channel.deliver(delivery);
      await db.updateTable('platform.notification_outbox').set({
        status: outcome.status, provider_id: outcome.providerId ?? null, provider_status: outcome.providerStatus ?? null,
        error_code: null, error_message: null, sent_at: sql`now()`, updated_at: sql`now()`,
        delivered_at: outcome.status === 'delivered' ? sql`now()` : null,
        data: this.scrubbed(row),
      }).where('id', '=', row.id).execute();
      this.deps.delivered.inc({ channel: row.channel, status: outcome.status });
      return outcome.status;
    } catch (err) {
      const failure = err instanceof DeliveryError ? err : new DeliveryError('internal_error', (err as Error).message, true);
      if (failure.transient && !lastAttempt) {
        await db.updateTable('platform.notification_outbox').set({
          status: 'pending', error_code: failure.code, error_message: failure.message, provider_status: failure.providerStatus ?? null, updated_at: sql`now()`,
        }).where('id', '=', row.id).execute();
        this.deps.delivered.inc({ channel: row.channel, status: 'retrying' });
        throw new RetryLater(failure);
      }
      return this.finish(row, message, 'failed', failure);
    }
  }

  /** A final status other than success: recorded with its reason, and a user's copy goes to their inbox. */
  private async finish(row: OutboxRow, message: RenderedMessage | undefined, status: OutboxStatus, error: { code: string; message: string; providerStatus?: string }) {
    // The inbox copy first (it is idempotent): a final status is never visible without its copy.
    if (message) await this.copyToInbox(row, message);
    await this.deps.db.updateTable('platform.notification_outbox').set({
      status, error_code: error.code, error_message: error.message.slice(0, 1000), provider_status: error.providerStatus ?? null,
      updated_at: sql`now()`, data: this.scrubbed(row),
    }).where('id', '=', row.id).execute();
    this.deps.delivered.inc({ channel: row.channel, status });
    return status;
  }

  /** A row left `sending` by a process that stopped during the provider call. */
  async markInterrupted(id: string): Promise<void> {
    const row = await this.deps.db.selectFrom('platform.notification_outbox').selectAll().where('id', '=', id).where('status', '=', 'sending').executeTakeFirst();
    if (!row) return;
    let message: RenderedMessage | undefined;
    try {
      message = this.deps.templates.render(row.template, row.locale, row.data);
    } catch { /* no inbox copy then */ }
    await this.finish(row, message, 'failed', {
      code: 'interrupted', message: 'the process stopped during the provider call; not retried, so that the message is never sent twice',
    });
  }

  /** Twilio told what became of a message (status callback). */
  async recordReceipt(providerId: string, providerStatus: string, errorCode?: string, errorMessage?: string): Promise<boolean> {
    const { db } = this.deps;
    const row = await db.selectFrom('platform.notification_outbox').selectAll()
      .where('channel', 'in', ['sms', 'whatsapp']).where('provider_id', '=', providerId).executeTakeFirst();
    if (!row) return false;
    if (providerStatus === 'delivered' || providerStatus === 'read') {
      if (row.status === 'failed') return true;
      await db.updateTable('platform.notification_outbox')
        .set({ status: 'delivered', provider_status: providerStatus, delivered_at: row.delivered_at ?? new Date(), updated_at: sql`now()` })
        .where('id', '=', row.id).execute();
    } else if (providerStatus === 'failed' || providerStatus === 'undelivered') {
      if (row.status === 'delivered' || row.status === 'failed') return true;
      if (row.user_id) await this.copyToInbox(row, this.deps.templates.render(row.template, row.locale, row.data));
      await db.updateTable('platform.notification_outbox').set({
        status: 'failed', provider_status: providerStatus, error_code: errorCode ?? providerStatus,
        error_message: errorMessage ?? `Twilio reported the message ${providerStatus}`, updated_at: sql`now()`,
      }).where('id', '=', row.id).execute();
      this.deps.delivered.inc({ channel: row.channel, status: 'failed' });
    } else if (row.status === 'sent' || row.status === 'sending') {
      await db.updateTable('platform.notification_outbox').set({ provider_status: providerStatus, updated_at: sql`now()` }).where('id', '=', row.id).execute();
    }
    return true;
  }

  private async copyToInbox(row: OutboxRow, message: RenderedMessage) {
    if (!row.user_id || row.channel === 'inapp') return;
    await addToInbox(this.deps.db, this.deps.realtime(), this.deps.log, {
      userId: row.user_id, messageId: row.message_id, category: row.category, template: row.template,
      message, data: this.publicData(row), critical: row.critical,
    });
  }

  private async resolve(row: OutboxRow, message: RenderedMessage): Promise<Delivery> {
    const delivery: Delivery = {
      outboxId: row.id, messageId: row.message_id, userId: row.user_id, address: row.address ?? undefined, locale: row.locale,
      critical: row.critical, category: row.category, template: row.template, message, data: this.publicData(row),
    };
    if (!row.user_id) return delivery;
    if (row.channel === 'push') {
      delivery.devices = await this.deps.db.selectFrom('platform.push_devices').select(['id', 'token'])
        .where('user_id', '=', row.user_id).orderBy('last_seen_at', 'desc').limit(10).execute();
    } else if (row.channel !== 'inapp') {
      const user = await this.deps.db.selectFrom('platform.users').select(['email', 'phone']).where('id', '=', row.user_id).executeTakeFirst();
      delivery.address = (row.channel === 'email' ? user?.email : user?.phone) ?? undefined;
    }
    return delivery;
  }

  private secretKeys(row: OutboxRow): string[] {
    try {
      return this.deps.templates.template(row.template).secretKeys ?? [];
    } catch {
      return [];
    }
  }

  /** The data a recipient-facing copy may show: without the template's secret keys. */
  private publicData(row: OutboxRow): Record<string, unknown> {
    const secret = new Set(this.secretKeys(row));
    return Object.fromEntries(Object.entries(row.data ?? {}).filter(([k]) => !secret.has(k)));
  }

  /** Secrets (reset links) are no longer needed once a row is final. */
  private scrubbed(row: OutboxRow): string {
    return JSON.stringify(this.publicData(row));
  }
}

const NO_ADDRESS: Partial<Record<ChannelName, string>> = {
  email: 'the user has no email address',
  sms: 'the user has no phone number in their profile',
  whatsapp: 'the user has no phone number in their profile',
  push: 'the user has no registered device',
};
