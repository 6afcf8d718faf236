import WebSocket from 'ws';
import type { AuthUser } from '../types.js';
import { CloseCode, type ServerFrame } from './protocol.js';

export interface ConnectionLimits {
  /** Unread bytes a socket may hold before it is dropped as a slow consumer. */
  maxBufferedBytes: number;
  /** How long a closing socket may take to read its close frame before it is cut. */
  closeGraceMs: number;
}

/** One client socket: who it is, what it listens to, and a send that never buffers without bound. */
export class StreamConnection {
  readonly topics = new Set<string>();
  /** Cleared at each heartbeat; a pong or any frame sets it again. */
  alive = true;
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(readonly socket: WebSocket, public user: AuthUser, private readonly limits: ConnectionLimits, private readonly onSlow: () => void) {}

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(frame: ServerFrame): boolean {
    return this.sendEncoded(Buffer.from(JSON.stringify(frame)));
  }

  /** `encoded` is a UTF-8 JSON frame, encoded once for every subscriber. */
  sendEncoded(encoded: Buffer): boolean {
    if (!this.open) return false;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.onSlow();
      this.close(CloseCode.slowConsumer, 'slow consumer: too much unread data');
      return false;
    }
    this.socket.send(encoded, { binary: false });
    return true;
  }

  /** Closes with a code the client can act on; a peer that never reads the close frame is cut after the grace. */
  close(code: number, reason: string): void {
    if (!this.open) return;
    this.socket.close(code, reason);
    const cut = setTimeout(() => this.socket.terminate(), this.limits.closeGraceMs);
    cut.unref();
    this.socket.once('close', () => clearTimeout(cut));
  }

  /**
   * Runs a client frame's work after the previous one's, so subscribe-then-unsubscribe ends unsubscribed.
   * `work` reports its own failures; the chain must survive them.
   */
  enqueue(work: () => Promise<void>, maxPending: number): boolean {
    if (this.pending >= maxPending) return false;
    this.pending++;
    this.queue = this.queue.then(work).catch(() => undefined).finally(() => { this.pending--; });
    return true;
  }
}
