import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RealtimeCounts { sockets: number; subscriptions: number; busConnected: boolean }

/** The stream's figures on the app's registry (served at /metrics). */
export function createRealtimeMetrics(registry: Registry, counts: () => RealtimeCounts) {
  const registers = [registry];
  new Gauge({
    name: 'atrium_realtime_sockets', help: 'Open WebSocket connections on this process', registers,
    collect() { this.set(counts().sockets); },
  });
  new Gauge({
    name: 'atrium_realtime_subscriptions', help: 'Topic subscriptions held by this process\'s sockets', registers,
    collect() { this.set(counts().subscriptions); },
  });
  new Gauge({
    name: 'atrium_realtime_bus_connected', help: '1 while the LISTEN connection of the bus is up', registers,
    collect() { this.set(counts().busConnected ? 1 : 0); },
  });
  return {
    messagesSent: new Counter({
      name: 'atrium_realtime_messages_sent_total', help: 'Frames sent to sockets, by frame type',
      labelNames: ['type'] as const, registers,
    }),
    socketsDropped: new Counter({
      name: 'atrium_realtime_sockets_dropped_total',
      help: 'Sockets the server closed: slow_consumer (unread data over the limit), dead (no pong), session_ended',
      labelNames: ['reason'] as const, registers,
    }),
    busLatency: new Histogram({
      name: 'atrium_realtime_bus_latency_seconds', help: 'From publish() on any process to delivery on this one',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers,
    }),
    busReconnects: new Counter({ name: 'atrium_realtime_bus_reconnects_total', help: 'LISTEN connections re-established after a loss', registers }),
  };
}
export type RealtimeMetrics = ReturnType<typeof createRealtimeMetrics>;
