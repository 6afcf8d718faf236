import WebSocket from 'ws';

/** A frame as the server sends it (see protocol.ts); loose so tests can assert on anything. */
export type Frame = { type: string; [field: string]: any };

export class StreamRefused extends Error {
  constructor(readonly status: number, readonly body: any) {
    super(`stream refused with HTTP ${status}`);
  }
}

const WAIT_MS = 20_000;

/**
 * A real WebSocket client for tests: frames are queued in arrival order and read with next(), so a test
 * states what comes next rather than sleeping.
 */
export class StreamClient {
  private readonly frames: Frame[] = [];
  private waiter?: () => void;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()));
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      this.waiter?.();
    }));
  }

  static open(baseUrl: string, auth: { token?: string; ticket?: string } = {}): Promise<StreamClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/api/v1/stream${auth.ticket ? `?ticket=${encodeURIComponent(auth.ticket)}` : ''}`;
    const ws = new WebSocket(url, { headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {} });
    const client = new StreamClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => { text += chunk.toString(); });
        res.on('end', () => reject(new StreamRefused(res.statusCode ?? 0, text ? JSON.parse(text) : undefined)));
      });
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame (skipping none), or the first queued one that matches `match`, consuming those before it. */
  async next(match: (frame: Frame) => boolean = () => true): Promise<Frame> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const index = this.frames.findIndex(match);
      if (index >= 0) return this.frames.splice(0, index + 1)[index];
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed while waiting; frames left: ${JSON.stringify(this.frames)}`);
      if (Date.now() > deadline) throw new Error(`no matching frame within ${WAIT_MS} ms; frames: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500);
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  /** Subscribes and waits for the answer (`subscribed` or an error frame about that topic). */
  async subscribe(topic: string): Promise<Frame> {
    this.send({ type: 'subscribe', topic });
    return this.next((f) => f.topic === topic && (f.type === 'subscribed' || f.type === 'error'));
  }

  close(): void {
    this.ws.close();
  }
}
