import type { ClientFactory, HttpClient } from '../../clients/index.js';
import type { NotifySettings } from '../settings.js';
import { DeliveryError, providerError, type Channel, type Delivery } from './types.js';

const SMS_MAX = 1600;

/** The text of an SMS or WhatsApp message: the template's short form, or title and body, cut to Twilio's limit. */
export function smsText(delivery: Delivery): string {
  const { message } = delivery;
  const text = message.sms ?? `${message.title}\n${message.body}`;
  if (text.length <= SMS_MAX) return text;
  const tail = message.link ? `… ${message.link}` : '…';
  const room = SMS_MAX - tail.length;
  const cut = text.lastIndexOf(' ', room);
  return text.slice(0, cut > room / 2 ? cut : room) + tail;
}

/**
 * SMS and WhatsApp through Twilio's Messages API: `POST /2010-04-01/Accounts/{Sid}/Messages.json`,
 * form-encoded, basic auth; delivery receipts come back on the status callback route.
 */
export class TwilioChannel implements Channel {
  private readonly http?: HttpClient;

  constructor(
    readonly name: 'sms' | 'whatsapp',
    private readonly settings: NotifySettings['twilio'],
    clients: ClientFactory,
    private readonly statusCallbackUrl: string,
  ) {
    if (!settings) return;
    this.http = clients.client({
      target: 'twilio',
      baseUrl: settings.apiBase,
      headers: { authorization: `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}` },
    });
  }

  get missing(): string {
    return this.name === 'sms' ? 'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM' : 'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_WHATSAPP_FROM';
  }

  private get sender(): string | undefined {
    return this.name === 'sms' ? this.settings?.from : this.settings?.whatsappFrom;
  }

  get configured(): boolean {
    return this.http !== undefined && this.sender !== undefined;
  }

  async deliver(delivery: Delivery) {
    const sender = this.sender;
    if (!this.http || !this.settings || !sender) throw new DeliveryError('not_configured', `${this.missing} not set`, false);
    const to = delivery.address!.replace(/^whatsapp:/, '');
    const form: Record<string, string> = { Body: smsText(delivery), StatusCallback: this.statusCallbackUrl };
    if (this.name === 'whatsapp') {
      form.To = `whatsapp:${to}`;
      form.From = `whatsapp:${sender}`;
    } else {
      form.To = to;
      if (sender.startsWith('MG')) form.MessagingServiceSid = sender; else form.From = sender;
    }
    try {
      const res = await this.http.request({
        method: 'POST',
        path: `/2010-04-01/Accounts/${encodeURIComponent(this.settings.accountSid)}/Messages.json`,
        form,
        // Twilio refuses 429 and 5xx before creating the message; a timeout is the one case that may repeat a text.
        retryable: true,
      });
      const body = res.json<{ sid: string; status: string }>();
      return { status: 'sent' as const, providerId: body.sid, providerStatus: body.status };
    } catch (err) {
      throw providerError(err, (body) => ({ code: body.code, message: body.message }));
    }
  }
}
