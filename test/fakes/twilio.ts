import { randomBytes } from 'node:crypto';
import { twilioSignature } from '../../src/platform/notify/channels/twilio-signature.js';
import { FakeHttpServer, Script, type RecordedRequest, type Reply } from './http.js';

export const TWILIO_SID = 'AC0123456789abcdef0123456789abcdef';
export const TWILIO_TOKEN = 'test-auth-token-123';

/** A scripted answer: a Twilio error (`{status: 400, code: 21211}`), or a delay-free hang (`'hang'`). */
export type TwilioScript = { status: number; code: number; message: string; retryAfter?: string } | 'hang';

const ADDRESS = /^(whatsapp:)?\+[1-9][0-9]{6,14}$/;

/**
 * Twilio's Messages API as far as Atrium uses it: `POST /2010-04-01/Accounts/{Sid}/Messages.json`,
 * basic auth (401 / 20003 otherwise), form body, To/From as `+<digits>` or `whatsapp:+<digits>`,
 * exactly one of Body or ContentSid; 201 with an `SM…` sid and `status: queued`; errors as Twilio shapes them.
 */
export class FakeTwilio {
  readonly script = new Script<TwilioScript>();
  readonly messages: { sid: string; form: URLSearchParams }[] = [];
  readonly server: FakeHttpServer;

  constructor(private readonly sid = TWILIO_SID, private readonly token = TWILIO_TOKEN) {
    this.server = new FakeHttpServer((req) => this.handle(req));
  }

  get url(): string {
    return this.server.url;
  }

  start() {
    return this.server.start().then(() => this);
  }

  stop() {
    return this.server.stop();
  }

  private error(status: number, code: number, message: string, headers?: Record<string, string>): Reply {
    return { status, headers, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
  }

  private handle(req: RecordedRequest): Reply | undefined {
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.path);
    if (!match || req.method !== 'POST') return this.error(404, 20404, 'The requested resource was not found');
    const expected = `Basic ${Buffer.from(`${this.sid}:${this.token}`).toString('base64')}`;
    if (match[1] !== this.sid || req.headers.authorization !== expected) return this.error(401, 20003, 'Authenticate');
    if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) return this.error(400, 20001, 'Content-Type must be form-encoded');
    const form = new URLSearchParams(req.body);
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? form.get('MessagingServiceSid') ?? '';
    if (!ADDRESS.test(to)) return this.error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!ADDRESS.test(from) && !from.startsWith('MG')) return this.error(400, 21212, `The 'From' number ${from} is not a valid phone number.`);
    if (form.has('Body') === form.has('ContentSid')) return this.error(400, 21619, 'A text message body or media urls must be specified.');
    const scripted = this.script.next();
    if (scripted === 'hang') return undefined;
    if (scripted) return this.error(scripted.status, scripted.code, scripted.message, scripted.retryAfter ? { 'retry-after': scripted.retryAfter } : undefined);
    const sid = `SM${randomBytes(16).toString('hex')}`;
    this.messages.push({ sid, form });
    const now = new Date().toUTCString();
    return {
      status: 201,
      body: {
        sid, account_sid: this.sid, to, from, body: form.get('Body'), status: 'queued', direction: 'outbound-api',
        date_created: now, date_updated: now, date_sent: null, num_segments: '1', error_code: null, error_message: null,
        messaging_service_sid: form.get('MessagingServiceSid'), price: null, price_unit: 'USD', api_version: '2010-04-01',
        uri: `/2010-04-01/Accounts/${this.sid}/Messages/${sid}.json`,
      },
    };
  }

  /** Posts a status callback as Twilio does: form-encoded, signed with X-Twilio-Signature over `publicUrl`. */
  async statusCallback(options: {
    postTo: string; publicUrl: string; sid: string; status: string; to?: string; errorCode?: string; signWith?: string; signature?: string | null;
  }): Promise<Response> {
    const params = new URLSearchParams({
      AccountSid: this.sid, MessageSid: options.sid, SmsSid: options.sid, MessageStatus: options.status, SmsStatus: options.status,
      To: options.to ?? '+33612345678', From: '+15005550006', ApiVersion: '2010-04-01',
    });
    if (options.errorCode) params.set('ErrorCode', options.errorCode);
    const signature = options.signature === undefined ? twilioSignature(options.signWith ?? this.token, options.publicUrl, params) : options.signature;
    return fetch(options.postTo, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === null ? {} : { 'x-twilio-signature': signature }) },
      body: params.toString(),
    });
  }
}
