export interface MailMessage {
  to: string;
  template: 'password_reset';
  locale: 'en' | 'fr';
  data: Record<string, string>;
}

/** How the platform sends mail; backed by the notifications outbox (email channel) in src/platform/notify/mail-sender.ts. */
export interface MailSender {
  send(message: MailMessage): Promise<{ delivered: boolean; status: string }>;
}
