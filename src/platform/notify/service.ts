import type { FastifyBaseLogger } from 'fastify';
import { Counter, Registry } from 'prom-client';
import type { ClientFactory } from '../clients/index.js';
import type { Config } from '../config.js';
import type { Db } from '../db/pool.js';
import type { JobService } from '../jobs/types.js';
import type { RealtimeService } from '../realtime/types.js';
import { defineBuiltinTemplates } from './builtin-templates.js';
import { EmailChannel } from './channels/email.js';
import { InAppChannel } from './channels/inapp.js';
import { PushChannel } from './channels/push.js';
import { TwilioChannel } from './channels/twilio.js';
import type { Channel } from './channels/types.js';
import { DiscordChannel, WebhookChannel } from './channels/webhook.js';
import { Deliverer, RetryLater } from './deliver.js';
import { DELIVER_QUEUE, writeMessages } from './outbox.js';
import { sweepOutbox } from './sweeper.js';
import type { ChannelName } from './tables.js';
import { TemplateRegistry } from './templates.js';
import type { CategoryDefinition, NotifyService, SendInput, SendOptions, TemplateDefinition } from './types.js';

/** Delivery attempts after the first; a transient failure on the last one is final. */
const DELIVER_RETRIES = 5;

export const TWILIO_STATUS_PATH = '/api/v1/notify/twilio/status';

export interface NotificationsDeps {
  db: Db;
  config: Config;
  clients: ClientFactory;
  log: FastifyBaseLogger;
  registry?: Registry;
  /** The job and realtime services, read when needed (they may be built after this one). */
  services: () => { jobs?: JobService; realtime?: RealtimeService };
}

/** `platform.notify`: the outbox, its channels and their delivery jobs. */
export class Notifications implements NotifyService {
  readonly templates = new TemplateRegistry();
  readonly channels = new Map<ChannelName, Channel>();
  readonly deliverer: Deliverer;
  private readonly email: EmailChannel;

  constructor(private readonly deps: NotificationsDeps) {
    const { config, clients, db, log } = deps;
    defineBuiltinTemplates(this.templates);
    this.email = new EmailChannel(config.notify.smtp, config.clients.timeoutMs, log, config.env);
    const statusCallback = `${config.publicUrl.replace(/\/+$/, '')}${TWILIO_STATUS_PATH}`;
    for (const channel of [
      new InAppChannel(db, () => deps.services().realtime, log),
      this.email,
      new TwilioChannel('sms', config.notify.twilio, clients, statusCallback),
      new TwilioChannel('whatsapp', config.notify.twilio, clients, statusCallback),
      new PushChannel(config.notify.fcm, clients, db, log),
      new WebhookChannel(clients),
      new DiscordChannel(clients),
    ]) this.channels.set(channel.name, channel);
    const delivered = new Counter({
      name: 'atrium_notifications_total', help: 'Notification delivery results by channel and status (retrying counts each retry)',
      labelNames: ['channel', 'status'] as const, registers: [deps.registry ?? new Registry()],
    });
    this.deliverer = new Deliverer({ db, templates: this.templates, channels: this.channels, realtime: () => deps.services().realtime, log, delivered });
  }

  defineCategory(category: CategoryDefinition): void {
    this.templates.defineCategory(category);
  }

  defineTemplate<D = Record<string, any>>(template: TemplateDefinition<D>): void {
    this.templates.defineTemplate(template);
  }

  send(input: SendInput, options?: SendOptions) {
    return writeMessages({ db: this.deps.db, templates: this.templates, jobs: () => this.deps.services().jobs }, input, options);
  }

  /** Declares the delivery queue and the sweeper's schedule; call before the job service starts. */
  defineJobs(jobs: JobService): void {
    jobs.define<{ id: string }>({
      queue: DELIVER_QUEUE,
      retryLimit: DELIVER_RETRIES,
      // Tests see a retry within seconds; in production the provider gets time to recover.
      retryDelay: this.deps.config.env === 'test' ? 1 : 10,
      retryDelayMax: 600,
      expireInSeconds: 120,
      batchSize: 20,
      tracked: false,
      handler: async (job) => {
        try {
          return { status: await this.deliverer.deliver(job.data.id, job.attempt > DELIVER_RETRIES) };
        } catch (err) {
          if (err instanceof RetryLater) job.log.info({ id: job.data.id, code: err.delivery.code }, 'notify: delivery will be retried');
          throw err;
        }
      },
    });
    jobs.define({
      queue: 'notify.sweep',
      kind: 'notification_reconcile',
      policy: 'singleton',
      retryLimit: 0,
      schedules: [{ cron: '* * * * *', catchUp: 'none', description: 'Enqueue outbox rows left without a delivery job; close interrupted ones' }],
      handler: async (job) => sweepOutbox(this.deps.db, jobs, this.deliverer, job.log),
    });
  }

  close(): void {
    this.email.close();
  }
}
