import nodemailer, { type Transporter } from 'nodemailer';
import type { FastifyBaseLogger } from 'fastify';
import type { NotifySettings } from '../settings.js';
import { DeliveryError, type Channel, type Delivery } from './types.js';

interface SmtpError extends Error { code?: string; responseCode?: number; response?: string }

/** Email over SMTP (nodemailer). Not HTTP, so not through platform/clients: nodemailer's own timeouts apply. */
export class EmailChannel implements Channel {
  readonly name = 'email' as const;
  readonly missing = 'SMTP_URL or SMTP_HOST';
  private readonly transport?: Transporter;

  constructor(private readonly settings: NotifySettings['smtp'], timeoutMs: number, private readonly log: FastifyBaseLogger, private readonly env: string) {
    if (!settings) return;
    const url = settings.url ? new URL(settings.url) : undefined;
    const user = url ? decodeURIComponent(url.username) : settings.user;
    const pass = url ? decodeURIComponent(url.password) : settings.pass;
    this.transport = nodemailer.createTransport({
      host: url ? url.hostname : settings.host,
      port: url ? Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)) : settings.port,
      secure: url ? url.protocol === 'smtps:' : settings.secure,
      auth: user ? { user, pass: pass ?? '' } : undefined,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs * 3,
    });
  }

  get configured(): boolean {
    return this.transport !== undefined;
  }

  /** Development only: with no SMTP, a developer still needs the reset link, so the text goes to the log. */
  logUnsent(delivery: Delivery): void {
    if (this.env === 'production') return;
    this.log.info({ to: delivery.address, subject: delivery.message.title, text: delivery.message.body }, 'email not configured: message written to the log (development only)');
  }

  async deliver(delivery: Delivery) {
    if (!this.transport || !this.settings) throw new DeliveryError('not_configured', 'SMTP is not configured', false);
    try {
      const info = await this.transport.sendMail({
        from: this.settings.from,
        to: delivery.address,
        subject: delivery.message.title,
        text: delivery.message.link && !delivery.message.body.includes(delivery.message.link)
          ? `${delivery.message.body}\n\n${delivery.message.link}` : delivery.message.body,
        headers: { 'X-Atrium-Message': delivery.outboxId, ...(delivery.critical ? { Importance: 'high' } : {}) },
      });
      const rejected = info.rejected ?? [];
      if (rejected.length > 0) throw new DeliveryError('rejected', `the server refused ${rejected.join(', ')}: ${info.response ?? ''}`, false);
      return { status: 'sent' as const, providerId: info.messageId, providerStatus: (info.response ?? '').slice(0, 200) };
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      const e = err as SmtpError;
      // 5xx replies are permanent (RFC 5321 §4.2.1); 4xx replies and connection failures are worth another try.
      const permanent = e.responseCode !== undefined && e.responseCode >= 500;
      throw new DeliveryError(e.responseCode ? String(e.responseCode) : (e.code ?? 'smtp_error'), (e.response ?? e.message).slice(0, 500), !permanent);
    }
  }

  close(): void {
    this.transport?.close();
  }
}
