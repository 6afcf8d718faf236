import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: RecordedRequest) => Reply | Promise<Reply> | undefined;

/** A local HTTP server for fakes: records every request, answers through `handle`. `hang` keeps a request unanswered. */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private server?: http.Server;
  url = '';

  constructor(private readonly handle: Handler) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const recorded: RecordedRequest = {
          method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(recorded);
        try {
          const reply = await this.handle(recorded);
          if (!reply) return; // hang
          const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
          res.writeHead(reply.status, { ...(typeof reply.body === 'object' ? { 'content-type': 'application/json' } : {}), ...reply.headers });
          res.end(body);
        } catch (err) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
  }
}

/** A queue of scripted answers a test pushes; when empty, the fake answers normally. */
export class Script<T> {
  private readonly queue: T[] = [];
  push(...items: T[]): void {
    this.queue.push(...items);
  }
  next(): T | undefined {
    return this.queue.shift();
  }
  clear(): void {
    this.queue.length = 0;
  }
}
