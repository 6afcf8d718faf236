import pg from 'pg';
import type { FastifyBaseLogger } from 'fastify';

/** What travels between processes on the PostgreSQL channel. */
export type BusMessage =
  | { k: 'event'; id: string; topic: string; event: string; data: unknown; t: number }
  | { k: 'revoked'; userId: string; sessionIds: string[] }
  | { k: 'roles'; userId: string };

/** An event whose payload was too big for NOTIFY: receivers fetch it by id from platform.realtime_payloads. */
type RefMessage = { k: 'ref'; id: string; topic: string; t: number };

export const CHANNEL = 'atrium_realtime';
/** PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more; stay clear of the limit. */
export const NOTIFY_LIMIT_BYTES = 7_000;
const PAYLOAD_TTL = '1 minute';
const PRUNE_EVERY_MS = 30_000;
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 10_000;

export interface BusOptions {
  pool: pg.Pool;
  databaseUrl: string;
  log: FastifyBaseLogger;
  /** Whether this process has a local subscriber (only then is a large payload fetched). */
  wants: (topic: string) => boolean;
  deliver: (message: BusMessage) => void;
  /** After a lost connection came back: notifications sent in between are gone. */
  onReconnect: () => void;
}

/**
 * The fan-out between processes: a dedicated connection (never one of the pool's, which would be
 * returned and reused) LISTENs on one channel; publishers NOTIFY through the pool. Delivery is at most
 * once: what is sent while a listener reconnects is not replayed (clients refetch state on reconnect).
 */
export class PgBus {
  private client?: pg.Client;
  private closing = false;
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  /** Large payloads are fetched asynchronously; later messages wait for them so that order is kept. */
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  connected = false;

  constructor(private readonly options: BusOptions) {}

  async listen(): Promise<void> {
    await this.connect();
    void this.prune();
  }

  async publish(message: BusMessage): Promise<void> {
    const payload = JSON.stringify(message);
    if (Buffer.byteLength(payload) <= NOTIFY_LIMIT_BYTES) {
      await this.options.pool.query('select pg_notify($1, $2)', [CHANNEL, payload]);
      return;
    }
    if (message.k !== 'event') throw new Error(`Bus control message of ${Buffer.byteLength(payload)} bytes exceeds the NOTIFY limit.`);
    const ref: RefMessage = { k: 'ref', id: message.id, topic: message.topic, t: message.t };
    // One statement: the row commits with the notification, so a receiver always finds it.
    await this.options.pool.query(
      `with stored as (insert into platform.realtime_payloads (id, topic, event, data) values ($1, $2, $3, $4) returning id)
       select pg_notify($5, $6) from stored`,
      [message.id, message.topic, message.event, JSON.stringify(message.data ?? null), CHANNEL, JSON.stringify(ref)],
    );
    this.schedulePrune();
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.pruneTimer);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    if (client) await client.end().catch(() => {});
    await this.tail;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: 'atrium-realtime-bus', keepAlive: true });
    client.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload) this.receive(n.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (err) {
      if (this.client === client) this.client = undefined;
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
      throw err;
    }
    this.attempt = 0;
    this.connected = true;
  }

  private lost(client: pg.Client, err?: Error): void {
    if (client !== this.client || this.closing || this.reconnectTimer) return;
    this.options.log.warn({ err }, 'realtime bus: lost the LISTEN connection; reconnecting');
    this.connected = false;
    client.removeAllListeners();
    client.on('error', () => {});
    client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt++) * (0.5 + Math.random() / 2);
    this.reconnectTimer = setTimeout(async () => {
      try {
        await this.connect();
        this.reconnectTimer = undefined;
        this.options.log.info('realtime bus: listening again');
        this.options.onReconnect();
      } catch (err) {
        if (this.closing) return;
        this.options.log.warn({ err, attempt: this.attempt }, 'realtime bus: reconnect failed');
        this.scheduleReconnect();
      }
    }, delay);
  }

  private receive(payload: string): void {
    let message: BusMessage | RefMessage;
    try {
      message = JSON.parse(payload);
    } catch {
      this.options.log.warn({ payload: payload.slice(0, 200) }, 'realtime bus: ignored a notification that is not JSON');
      return;
    }
    if (this.waiting === 0 && message.k !== 'ref') {
      this.options.deliver(message);
      return;
    }
    this.waiting++;
    this.tail = this.tail
      .then(() => (message.k === 'ref' ? this.fetch(message) : message))
      .then((resolved) => { if (resolved) this.options.deliver(resolved); })
      .catch((err) => this.options.log.error({ err }, 'realtime bus: delivery failed'))
      .finally(() => { this.waiting--; });
  }

  private async fetch(ref: RefMessage): Promise<BusMessage | undefined> {
    if (!this.options.wants(ref.topic)) return undefined;
    const { rows } = await this.options.pool.query<{ event: string; data: unknown }>(
      'select event, data from platform.realtime_payloads where id = $1', [ref.id]);
    if (!rows[0]) {
      this.options.log.warn({ id: ref.id, topic: ref.topic }, 'realtime bus: a large payload was pruned before it was read');
      return undefined;
    }
    return { k: 'event', id: ref.id, topic: ref.topic, event: rows[0].event, data: rows[0].data, t: ref.t };
  }

  private schedulePrune(): void {
    if (this.pruneTimer || this.closing) return;
    this.pruneTimer = setTimeout(() => {
      this.pruneTimer = undefined;
      void this.prune();
    }, PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  /** Deletes payloads older than a minute; keeps itself scheduled while any row is left. */
  private async prune(): Promise<void> {
    try {
      const { rows } = await this.options.pool.query<{ left: boolean }>(
        `with gone as (delete from platform.realtime_payloads where created_at < now() - interval '${PAYLOAD_TTL}' returning id)
         select exists (select 1 from platform.realtime_payloads where id not in (select id from gone)) as left`);
      if (rows[0]?.left) this.schedulePrune();
    } catch (err) {
      if (!this.closing) this.options.log.warn({ err }, 'realtime bus: pruning large payloads failed');
    }
  }
}
