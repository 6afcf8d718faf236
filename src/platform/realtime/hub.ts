import type pg from 'pg';
import type WebSocket from 'ws';
import type { RawData } from 'ws';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import { v7 as uuidv7 } from 'uuid';
import type { Role } from '../config.js';
import type { AuthUser, Platform } from '../types.js';
import type { PlatformEventMap } from '../events.js';
import { PgBus, type BusMessage } from './bus.js';
import { StreamConnection } from './connection.js';
import { createRealtimeMetrics, type RealtimeMetrics } from './metrics.js';
import { CloseCode, parseClientFrame, type ServerFrame } from './protocol.js';
import { PLATFORM_TOPICS, TopicRegistry } from './topics.js';
import type { RealtimeService, TopicDefinition } from './types.js';

export interface RealtimeSettings {
  /** Period of WebSocket pings; a socket that has not answered the previous one is cut. */
  heartbeatMs: number;
  maxBufferedBytes: number;
  closeGraceMs: number;
  maxSubscriptions: number;
  /** Client frames waiting for their turn on one socket (a subscribe may wait for an authorisation query). */
  maxPendingFrames: number;
}

export const DEFAULT_SETTINGS: RealtimeSettings = {
  heartbeatMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  closeGraceMs: 10_000,
  maxSubscriptions: 100,
  maxPendingFrames: 256,
};

export interface HubOptions {
  pool: pg.Pool;
  databaseUrl: string;
  registry: Registry;
  log: FastifyBaseLogger;
  /** A worker process publishes but holds no sockets, so it does not LISTEN. */
  listen: boolean;
}

const EVENT_NAME = /^[a-z][A-Za-z0-9_.-]{0,99}$/;
/** Session ids per bus message: about 40 bytes each, well under the NOTIFY limit. */
const SESSIONS_PER_MESSAGE = 100;
const SHUTDOWN_WAIT_MS = 2_000;

/**
 * `platform.realtime`: topics, the sockets of this process, and the bus that joins the processes.
 * Every event, even one published here, reaches local sockets through the bus, so all processes
 * deliver in the same order.
 */
export class RealtimeHub implements RealtimeService {
  readonly settings: RealtimeSettings = { ...DEFAULT_SETTINGS };
  private readonly topics = new TopicRegistry();
  private readonly bus: PgBus;
  private readonly metrics: RealtimeMetrics;
  private readonly log: FastifyBaseLogger;
  private readonly connections = new Set<StreamConnection>();
  private readonly byTopic = new Map<string, Set<StreamConnection>>();
  private readonly bySession = new Map<string, Set<StreamConnection>>();
  private platform?: Platform;
  private heartbeat?: NodeJS.Timeout;
  private sweeping = false;
  private readonly detach: Array<() => void> = [];

  constructor(private readonly options: HubOptions) {
    this.log = options.log;
    for (const topic of PLATFORM_TOPICS) this.topics.define(topic);
    this.metrics = createRealtimeMetrics(options.registry, () => ({
      sockets: this.connections.size,
      subscriptions: [...this.byTopic.values()].reduce((n, set) => n + set.size, 0),
      busConnected: this.bus.connected,
    }));
    this.bus = new PgBus({
      pool: options.pool,
      databaseUrl: options.databaseUrl,
      log: options.log,
      wants: (topic) => this.byTopic.has(topic),
      deliver: (message) => this.deliver(message),
      onReconnect: () => {
        this.metrics.busReconnects.inc();
        // Revocations announced while we were deaf would otherwise wait for the next heartbeat.
        void this.sweepSessions();
      },
    });
  }

  defineTopic(definition: TopicDefinition): void {
    this.topics.define(definition);
  }

  async publish(topic: string, type: string, data: unknown): Promise<void> {
    this.topics.assertPublishable(topic);
    if (!EVENT_NAME.test(type)) throw new Error(`Invalid event type "${type}": use a name like inbox.message.`);
    await this.bus.publish({ k: 'event', id: uuidv7(), topic, event: type, data: data ?? null, t: Date.now() });
  }

  get socketCount(): number {
    return this.connections.size;
  }

  get busConnected(): boolean {
    return this.bus.connected;
  }

  /** Changes limits at run time (tests, tuning); the heartbeat restarts with the new period. */
  configure(settings: Partial<RealtimeSettings>): void {
    Object.assign(this.settings, settings);
    if (this.heartbeat) this.scheduleHeartbeat();
  }

  async start(platform: Platform): Promise<void> {
    this.platform = platform;
    this.on(platform, 'session.revoked', ({ userId, sessionIds }) => {
      this.closeSessions(sessionIds);
      for (let i = 0; i < sessionIds.length; i += SESSIONS_PER_MESSAGE) {
        this.announce({ k: 'revoked', userId, sessionIds: sessionIds.slice(i, i + SESSIONS_PER_MESSAGE) });
      }
    });
    this.on(platform, 'user.roles_changed', ({ userId }) => this.announce({ k: 'roles', userId }));
    if (this.options.listen) {
      await this.bus.listen();
      this.scheduleHeartbeat();
    }
  }

  /** Takes an authenticated socket (the route checked the token and the session). */
  accept(socket: WebSocket, user: AuthUser): void {
    const conn = new StreamConnection(socket, user, this.settings, () => this.metrics.socketsDropped.inc({ reason: 'slow_consumer' }));
    this.connections.add(conn);
    addTo(this.bySession, user.sessionId, conn);
    socket.on('pong', () => { conn.alive = true; });
    socket.on('message', (data, isBinary) => this.onFrame(conn, data, isBinary));
    socket.on('close', () => this.remove(conn));
    // A revocation that landed between the route's check and now.
    void this.platform?.sessions.isLive(user.sessionId).then((live) => {
      if (!live) this.endSession(conn);
    }, () => {});
  }

  /** Before the HTTP server stops: tell clients to reconnect elsewhere, give them a moment, then cut. */
  async closeSockets(): Promise<void> {
    clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
    const closing = [...this.connections].map((conn) => new Promise<void>((resolve) => {
      if (!conn.open) return resolve();
      conn.socket.once('close', () => resolve());
      conn.close(CloseCode.shuttingDown, 'server shutting down');
    }));
    const timer = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref());
    await Promise.race([Promise.all(closing), timer]);
    for (const conn of this.connections) conn.socket.terminate();
  }

  async close(): Promise<void> {
    clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
    for (const off of this.detach.splice(0)) off();
    await this.bus.close();
  }

  private on<K extends keyof PlatformEventMap>(platform: Platform, name: K, listener: (...args: PlatformEventMap[K]) => void): void {
    platform.events.on(name, listener as never);
    this.detach.push(() => platform.events.off(name, listener as never));
  }

  private announce(message: BusMessage): void {
    this.bus.publish(message).catch((err) => this.log.error({ err, kind: message.k }, 'realtime: could not announce on the bus'));
  }

  private onFrame(conn: StreamConnection, data: RawData, isBinary: boolean): void {
    conn.alive = true;
    const parsed = isBinary ? { error: 'Frames are JSON text, not binary.' } : parseClientFrame(data.toString());
    const queued = conn.enqueue(async () => {
      if ('error' in parsed) {
        this.send(conn, { type: 'error', code: 'malformed_frame', message: parsed.error });
        return;
      }
      const { frame } = parsed;
      try {
        if (frame.type === 'ping') this.send(conn, { type: 'pong' });
        else if (frame.type === 'subscribe') await this.subscribe(conn, frame.topic);
        else {
          this.unsubscribe(conn, frame.topic);
          this.send(conn, { type: 'unsubscribed', topic: frame.topic });
        }
      } catch (err) {
        this.log.error({ err, frame: frame.type }, 'realtime: a client frame failed');
        this.send(conn, { type: 'error', code: 'internal_error', message: 'The frame could not be handled; try again.' });
      }
    }, this.settings.maxPendingFrames);
    if (!queued) conn.close(1008, 'too many frames in flight');
  }

  private async subscribe(conn: StreamConnection, topic: string): Promise<void> {
    if (conn.topics.has(topic)) {
      this.send(conn, { type: 'subscribed', topic });
      return;
    }
    if (conn.topics.size >= this.settings.maxSubscriptions) {
      this.send(conn, { type: 'error', code: 'too_many_subscriptions', topic, message: `A socket may hold at most ${this.settings.maxSubscriptions} subscriptions.` });
      return;
    }
    const verdict = await this.topics.authorize(conn.user, topic);
    if (!verdict.ok) {
      if (verdict.cause) this.log.error({ err: verdict.cause, topic }, 'realtime: a topic authorisation failed');
      this.send(conn, { type: 'error', code: verdict.code, topic, message: verdict.message });
      return;
    }
    if (!conn.open) return;
    conn.topics.add(topic);
    addTo(this.byTopic, topic, conn);
    this.send(conn, { type: 'subscribed', topic });
  }

  private unsubscribe(conn: StreamConnection, topic: string): void {
    if (!conn.topics.delete(topic)) return;
    removeFrom(this.byTopic, topic, conn);
  }

  private remove(conn: StreamConnection): void {
    if (!this.connections.delete(conn)) return;
    removeFrom(this.bySession, conn.user.sessionId, conn);
    for (const topic of conn.topics) removeFrom(this.byTopic, topic, conn);
  }

  private send(conn: StreamConnection, frame: ServerFrame): void {
    if (conn.send(frame)) this.metrics.messagesSent.inc({ type: frame.type });
  }

  private deliver(message: BusMessage): void {
    switch (message.k) {
      case 'event': {
        this.metrics.busLatency.observe(Math.max(0, Date.now() - message.t) / 1000);
        const subscribers = this.byTopic.get(message.topic);
        if (!subscribers) return;
        const frame = Buffer.from(JSON.stringify({ type: 'event', topic: message.topic, event: message.event, data: message.data, id: message.id }));
        let sent = 0;
        for (const conn of subscribers) if (conn.sendEncoded(frame)) sent++;
        this.metrics.messagesSent.inc({ type: 'event' }, sent);
        return;
      }
      case 'revoked':
        this.platform?.sessions.forget(message.sessionIds);
        this.closeSessions(message.sessionIds);
        return;
      case 'roles':
        this.recheckUser(message.userId).catch((err) => this.log.error({ err, userId: message.userId }, 'realtime: re-checking subscriptions failed'));
    }
  }

  private closeSessions(sessionIds: string[]): void {
    for (const id of sessionIds) for (const conn of this.bySession.get(id) ?? []) this.endSession(conn);
  }

  private endSession(conn: StreamConnection): void {
    if (!conn.open) return;
    this.metrics.socketsDropped.inc({ reason: 'session_ended' });
    conn.close(CloseCode.sessionEnded, 'session ended');
  }

  /**
   * A role change keeps the socket open: its roles are reloaded, and each subscription the user may no
   * longer hold is dropped with a `subscription_revoked` error frame. (Revoking a role also ends the
   * user's sessions, which closes the sockets; this path matters for grants and for topic rules that
   * read roles.)
   */
  private async recheckUser(userId: string): Promise<void> {
    const conns = [...this.connections].filter((c) => c.user.id === userId && c.open);
    if (conns.length === 0 || !this.platform) return;
    const rows = await this.platform.db.selectFrom('platform.user_roles').select('role').where('user_id', '=', userId).execute();
    const roles = rows.map((r) => r.role as Role);
    const totpRoles = this.platform.config.totpRequiredRoles;
    for (const conn of conns) {
      conn.user = { ...conn.user, roles };
      if (!conn.user.totpAt && roles.some((r) => totpRoles.includes(r))) {
        conn.close(CloseCode.totpRequired, 'two-factor authentication required');
        continue;
      }
      conn.enqueue(async () => {
        for (const topic of [...conn.topics]) {
          const verdict = await this.topics.authorize(conn.user, topic);
          if (verdict.ok) continue;
          this.unsubscribe(conn, topic);
          this.send(conn, { type: 'error', code: 'subscription_revoked', topic, message: 'Your access to this topic changed; you are no longer subscribed.' });
        }
      }, Number.POSITIVE_INFINITY);
    }
  }

  private scheduleHeartbeat(): void {
    clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => {
      this.beat();
      this.scheduleHeartbeat();
    }, this.settings.heartbeatMs);
    this.heartbeat.unref();
  }

  private beat(): void {
    for (const conn of this.connections) {
      if (!conn.alive) {
        this.metrics.socketsDropped.inc({ reason: 'dead' });
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      if (conn.open) conn.socket.ping();
    }
    void this.sweepSessions();
  }

  /** The safety net under the bus: sockets of sessions that ended (or expired) are closed each heartbeat. */
  private async sweepSessions(): Promise<void> {
    if (this.sweeping || !this.platform || this.bySession.size === 0) return;
    this.sweeping = true;
    try {
      const ids = [...this.bySession.keys()];
      for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000);
        const live = await this.platform.db.selectFrom('platform.sessions').select('id')
          .where('id', 'in', chunk).where('revoked_at', 'is', null).where('expires_at', '>', new Date()).execute();
        const liveIds = new Set(live.map((r) => r.id));
        const ended = chunk.filter((id) => !liveIds.has(id));
        if (ended.length === 0) continue;
        this.platform.sessions.forget(ended);
        this.closeSessions(ended);
      }
    } catch (err) {
      this.log.warn({ err }, 'realtime: the session sweep failed');
    } finally {
      this.sweeping = false;
    }
  }
}

function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}
