import { FakeSmtpServer } from './smtp.js';
import { FakeTwilio, TWILIO_SID, TWILIO_TOKEN } from './twilio.js';
import { FakeFcm } from './fcm.js';
import { FakeDiscord, FakeWebhook } from './webhooks.js';

export const TWILIO_FROM = '+15005550006';
export const TWILIO_WHATSAPP_FROM = '+14155238886';
export const PUBLIC_URL = 'https://atrium.example.org';

/** Every provider fake, started, and the environment that points Atrium at them. */
export async function startProviders() {
  const [smtp, twilio, fcm, discord, webhook] = await Promise.all([
    new FakeSmtpServer().start(), new FakeTwilio().start(), new FakeFcm().start(), new FakeDiscord().start(), new FakeWebhook().start(),
  ]);
  const env: Record<string, string> = {
    PUBLIC_URL,
    SMTP_URL: smtp.url,
    SMTP_FROM: 'Atrium <no-reply@atrium.example.org>',
    TWILIO_ACCOUNT_SID: TWILIO_SID,
    TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    TWILIO_FROM,
    TWILIO_WHATSAPP_FROM,
    TWILIO_API_BASE: twilio.url,
    FCM_SERVICE_ACCOUNT_JSON: fcm.serviceAccountJson(),
    FCM_API_BASE: fcm.url,
    DISCORD_WEBHOOK_URL: discord.webhookUrl,
    ALERT_WEBHOOK_URLS: webhook.url,
    // Generous: a loaded test machine must not turn into timeouts (and retries that eat scripted answers).
    OUTBOUND_TIMEOUT_MS: '20000',
  };
  return {
    smtp, twilio, fcm, discord, webhook, env,
    async stop() {
      await Promise.all([smtp.stop(), twilio.stop(), fcm.stop(), discord.stop(), webhook.stop()]);
    },
  };
}
export type Providers = Awaited<ReturnType<typeof startProviders>>;

/** Polls until `check` answers something truthy; fails with `what` after `timeoutMs` (generous: never a speed test). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
