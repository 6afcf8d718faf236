import type { MailMessage, MailSender } from '../auth/mailer.js';
import type { NotifyService } from './types.js';

/** The platform's MailSender (password reset), backed by the outbox's email channel. */
export class OutboxMailSender implements MailSender {
  constructor(private readonly notify: NotifyService) {}

  async send(message: MailMessage) {
    const [row] = await this.notify.send({
      to: { channel: 'email', address: message.to, locale: message.locale },
      template: message.template,
      data: message.data,
      critical: true,
    });
    // Delivery happens in a job: `pending` here, the outbox row tells the outcome.
    return { delivered: false, status: row?.status ?? 'failed' };
  }
}
