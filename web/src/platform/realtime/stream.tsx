/**
 * One WebSocket per tab to /api/v1/stream (docs/realtime.md): a short-lived ticket from
 * POST /api/v1/stream/ticket opens it; components subscribe to topics and get the events.
 * It reconnects with backoff and re-subscribes; closing code 4001 (session ended) stops it.
 */
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { request } from '../../api/client';
import { ApiError } from '../../api/problem';
import { useAuth } from '../auth/auth';

type Handler = (event: string, data: unknown) => void;
export type StreamStatus = 'off' | 'connecting' | 'open' | 'unavailable';

interface Stream {
  status: StreamStatus;
  subscribe: (topic: string, handler: Handler) => () => void;
}

const StreamContext = createContext<Stream>({ status: 'off', subscribe: () => () => {} });

class StreamClient {
  private socket: WebSocket | null = null;
  private handlers = new Map<string, Set<Handler>>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(private readonly onStatus: (s: StreamStatus) => void) {}

  start() {
    this.stopped = false;
    void this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    this.socket?.close(1000);
    this.socket = null;
    this.onStatus('off');
  }

  subscribe(topic: string, handler: Handler): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
      this.send({ type: 'subscribe', topic });
    }
    set.add(handler);
    return () => {
      const current = this.handlers.get(topic);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) {
        this.handlers.delete(topic);
        this.send({ type: 'unsubscribe', topic });
      }
    };
  }

  private send(frame: object) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private async connect() {
    if (this.stopped) return;
    this.onStatus('connecting');
    let ticket: string;
    try {
      const answer = await request<{ ticket: string }>('POST', '/api/v1/stream/ticket');
      ticket = answer.ticket;
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 401 || err.status === 403)) {
        this.onStatus('unavailable');
        if (err.status !== 404) this.retry();
        return;
      }
      this.retry();
      return;
    }
    if (this.stopped) return;
    const url = new URL('/api/v1/stream', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('ticket', ticket);
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.onStatus('open');
      for (const topic of this.handlers.keys()) this.send({ type: 'subscribe', topic });
      clearInterval(this.pinger);
      this.pinger = setInterval(() => this.send({ type: 'ping' }), 25_000);
    };
    socket.onmessage = (message) => {
      let frame: { type?: string; topic?: string; event?: string; data?: unknown };
      try {
        frame = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (frame.type !== 'event' || !frame.topic) return;
      for (const handler of this.handlers.get(frame.topic) ?? []) handler(frame.event ?? '', frame.data);
    };
    socket.onclose = (e) => {
      clearInterval(this.pinger);
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      this.onStatus('connecting');
      // A session that ended is handled by the auth layer (the next request fails to refresh).
      if (e.code === 4001) return this.retry(5_000);
      this.retry();
    };
  }

  private retry(min = 0) {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const delay = Math.max(min, Math.min(30_000, 1_000 * 2 ** this.attempt) * (0.5 + Math.random() / 2));
    this.attempt++;
    this.timer = setTimeout(() => void this.connect(), delay);
  }
}

export function StreamProvider({ children }: { children: ReactNode }) {
  const { session } = useAuth();
  const [status, setStatus] = useState<StreamStatus>('off');
  const client = useRef<StreamClient | null>(null);
  client.current ??= new StreamClient(setStatus);
  const userId = session?.userId;

  useEffect(() => {
    if (!userId) return;
    const c = client.current!;
    c.start();
    return () => c.stop();
  }, [userId]);

  const value = useRef<Stream>({ status, subscribe: (t, h) => client.current!.subscribe(t, h) });
  value.current = { ...value.current, status };
  return <StreamContext.Provider value={value.current}>{children}</StreamContext.Provider>;
}

export function useStreamStatus(): StreamStatus {
  return useContext(StreamContext).status;
}

/** Calls `handler` for each event on `topic` while the component is mounted. */
export function useTopic(topic: string | null | undefined, handler: Handler) {
  const { subscribe } = useContext(StreamContext);
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (!topic) return;
    return subscribe(topic, (event, data) => latest.current(event, data));
  }, [topic, subscribe]);
}
