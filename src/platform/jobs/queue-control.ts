import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/pool.js';

export const QUEUE_CONTROL_CHANNEL = 'operations_queue_control';

export interface QueueControlOptions {
  db: Db;
  url: string;
  log: FastifyBaseLogger;
  pollMs: number;
  /** Called with the queues paused now; the caller stops or restarts fetching to match. */
  apply(paused: Set<string>): Promise<void>;
}

/**
 * §6.4: `queue_control.paused` is the switch. Every process listens on `operations_queue_control`
 * (a trigger notifies on each change) and polls every 10 s in case a notification was lost.
 */
export class QueueControl {
  private client?: pg.Client;
  private timer?: NodeJS.Timeout;
  private reconnect?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<void>;
  private again = false;

  constructor(private readonly options: QueueControlOptions) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.pollMs);
    this.timer.unref();
    await this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.reconnect);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
    await this.running;
  }

  /** Reads the switches and applies them; overlapping calls collapse into one more pass. */
  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const rows = await this.options.db.selectFrom('platform.queue_control').select('queue').where('paused', '=', true).execute();
          if (!this.stopped) await this.options.apply(new Set(rows.map((r) => r.queue)));
        } catch (err) {
          this.options.log.warn({ err }, 'could not read queue pause switches');
        }
      } while (this.again && !this.stopped);
    })().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.options.url, application_name: 'atrium-queue-control' });
    const retry = () => {
      if (this.stopped || this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => {});
      this.reconnect = setTimeout(() => void this.listen(), 2000);
      this.reconnect.unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => void this.refresh());
    this.client = client;
    try {
      await client.connect();
      await client.query(`listen ${QUEUE_CONTROL_CHANNEL}`);
      // A change made while the listener was away is picked up now rather than at the next poll.
      await this.refresh();
    } catch (err) {
      this.options.log.warn({ err }, 'queue control listener unavailable; polling only until it reconnects');
      retry();
    }
  }
}
