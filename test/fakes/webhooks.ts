import { randomBytes } from 'node:crypto';
import { FakeHttpServer, Script, type RecordedRequest, type Reply } from './http.js';

export type DiscordScript = { status: number; code?: number; message: string; retryAfter?: number };

/**
 * Discord's execute-webhook endpoint (`POST /api/webhooks/{id}/{token}`): needs `content` or `embeds`;
 * `?wait=true` answers 200 with the message, else 204; errors as Discord shapes them (`{message, code}`,
 * 429 with `retry_after` and Retry-After).
 */
export class FakeDiscord {
  readonly script = new Script<DiscordScript>();
  readonly posted: any[] = [];
  readonly server: FakeHttpServer;

  constructor(readonly id = '123456789012345678', readonly token = 'discord-webhook-token') {
    this.server = new FakeHttpServer((req) => this.handle(req));
  }

  get webhookUrl(): string {
    return `${this.server.url}/api/webhooks/${this.id}/${this.token}`;
  }

  start() {
    return this.server.start().then(() => this);
  }

  stop() {
    return this.server.stop();
  }

  private handle(req: RecordedRequest): Reply {
    const match = /^\/api\/webhooks\/([^/]+)\/([^/]+)$/.exec(req.path);
    if (!match || req.method !== 'POST') return { status: 404, body: { message: '404: Not Found', code: 0 } };
    if (match[1] !== this.id) return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
    if (match[2] !== this.token) return { status: 401, body: { message: 'Invalid Webhook Token', code: 50027 } };
    const scripted = this.script.next();
    if (scripted) {
      if (scripted.status === 429) {
        const after = scripted.retryAfter ?? 1;
        return { status: 429, headers: { 'retry-after': String(Math.ceil(after)) }, body: { message: scripted.message, retry_after: after, global: false } };
      }
      return { status: scripted.status, body: { message: scripted.message, code: scripted.code ?? 0 } };
    }
    let body: any;
    try {
      body = JSON.parse(req.body);
    } catch {
      return { status: 400, body: { message: 'The request body contains invalid JSON.', code: 50109 } };
    }
    if (!body.content && !(Array.isArray(body.embeds) && body.embeds.length)) return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
    if (typeof body.content === 'string' && body.content.length > 2000) {
      return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } } } };
    }
    this.posted.push(body);
    if (req.query.get('wait') !== 'true') return { status: 204 };
    return { status: 200, body: { id: String(BigInt(`0x${randomBytes(7).toString('hex')}`)), type: 0, content: body.content ?? '', embeds: body.embeds ?? [], webhook_id: this.id } };
  }
}

/** Any JSON webhook receiver: records what it gets; answers scripted statuses first. */
export class FakeWebhook {
  readonly script = new Script<Reply>();
  readonly received: { headers: RecordedRequest['headers']; body: any }[] = [];
  readonly server = new FakeHttpServer((req) => {
    const scripted = this.script.next();
    if (scripted) return scripted;
    this.received.push({ headers: req.headers, body: JSON.parse(req.body) });
    return { status: 202, body: { ok: true } };
  });

  get url(): string {
    return `${this.server.url}/hooks/atrium`;
  }

  start() {
    return this.server.start().then(() => this);
  }

  stop() {
    return this.server.stop();
  }
}
