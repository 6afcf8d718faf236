import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';

const Url = Type.String({ pattern: '^https?://' });

/** The environment variables of notifications and outbound HTTP (listed in docs/configuration.md). */
export const NOTIFY_ENV = {
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  SMTP_HOST: Type.Optional(Type.String({ minLength: 1 })),
  SMTP_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
  SMTP_SECURE: Type.Optional(Type.Boolean()),
  SMTP_USER: Type.Optional(Type.String()),
  SMTP_PASS: Type.Optional(Type.String()),
  SMTP_FROM: Type.String({ minLength: 3, default: 'Atrium <no-reply@atrium.local>' }),
  TWILIO_ACCOUNT_SID: Type.Optional(Type.String({ pattern: '^AC[0-9a-fA-F]{32}$' })),
  TWILIO_AUTH_TOKEN: Type.Optional(Type.String({ minLength: 8 })),
  TWILIO_FROM: Type.Optional(Type.String({ pattern: '^(\\+[1-9][0-9]{6,14}|MG[0-9a-fA-F]{32})$' })),
  TWILIO_WHATSAPP_FROM: Type.Optional(Type.String({ pattern: '^(whatsapp:)?\\+[1-9][0-9]{6,14}$' })),
  TWILIO_API_BASE: Type.String({ pattern: '^https?://', default: 'https://api.twilio.com' }),
  FCM_SERVICE_ACCOUNT_JSON: Type.Optional(Type.String({ minLength: 2 })),
  FCM_SERVICE_ACCOUNT_FILE: Type.Optional(Type.String({ minLength: 1 })),
  FCM_PROJECT_ID: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{4,40}$' })),
  FCM_API_BASE: Type.String({ pattern: '^https?://', default: 'https://fcm.googleapis.com' }),
  FCM_TOKEN_URL: Type.Optional(Url),
  DISCORD_WEBHOOK_URL: Type.Optional(Url),
  ALERT_WEBHOOK_URLS: Type.String({ default: '' }),
  OUTBOUND_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000 }),
  OUTBOUND_RETRIES: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
  OUTBOUND_BREAKER_FAILURES: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
  OUTBOUND_BREAKER_COOLDOWN_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
};

const NotifyEnvObject = Type.Object(NOTIFY_ENV);
type NotifyEnv = Static<typeof NotifyEnvObject>;

export interface ServiceAccount { client_email: string; private_key: string; project_id?: string; token_uri?: string }

export interface NotifySettings {
  smtp?: { url?: string; host?: string; port: number; secure: boolean; user?: string; pass?: string; from: string };
  twilio?: { accountSid: string; authToken: string; from?: string; whatsappFrom?: string; apiBase: string };
  fcm?: { serviceAccount: ServiceAccount; projectId: string; apiBase: string; tokenUrl: string };
  discordWebhookUrl?: string;
  alertWebhookUrls: string[];
}

export interface ClientSettings { timeoutMs: number; retries: number; breakerFailures: number; breakerCooldownMs: number }

/** Shapes the validated variables; adds a problem for each half-configured provider, which would otherwise fail at 3 a.m. */
export function readNotifySettings(raw: unknown, problems: string[]): { notify: NotifySettings; clients: ClientSettings } {
  const env = raw as NotifyEnv;
  const notify: NotifySettings = { alertWebhookUrls: [] };
  if (env.SMTP_URL || env.SMTP_HOST) {
    notify.smtp = {
      url: env.SMTP_URL, host: env.SMTP_HOST, port: env.SMTP_PORT, secure: env.SMTP_SECURE ?? env.SMTP_PORT === 465,
      user: env.SMTP_USER, pass: env.SMTP_PASS, from: env.SMTP_FROM,
    };
  }
  const twilioSet = [env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN].filter(Boolean).length;
  if (twilioSet === 1) problems.push('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: set both or neither');
  if (env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN) {
    if (!env.TWILIO_FROM && !env.TWILIO_WHATSAPP_FROM) problems.push('TWILIO_FROM or TWILIO_WHATSAPP_FROM: set the sender of SMS and/or WhatsApp messages');
    notify.twilio = {
      accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, from: env.TWILIO_FROM,
      whatsappFrom: env.TWILIO_WHATSAPP_FROM?.replace(/^whatsapp:/, ''), apiBase: env.TWILIO_API_BASE.replace(/\/+$/, ''),
    };
  }
  const account = serviceAccount(env, problems);
  if (account) {
    const projectId = env.FCM_PROJECT_ID ?? account.project_id;
    if (!projectId) problems.push('FCM_PROJECT_ID: the service account names no project_id; set it');
    else {
      notify.fcm = {
        serviceAccount: account, projectId, apiBase: env.FCM_API_BASE.replace(/\/+$/, ''),
        tokenUrl: env.FCM_TOKEN_URL ?? account.token_uri ?? 'https://oauth2.googleapis.com/token',
      };
    }
  }
  notify.discordWebhookUrl = env.DISCORD_WEBHOOK_URL;
  for (const url of env.ALERT_WEBHOOK_URLS.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (/^https?:\/\/[^\s]+$/.test(url)) notify.alertWebhookUrls.push(url);
    else problems.push(`ALERT_WEBHOOK_URLS: "${url}" is not an http(s) URL`);
  }
  return {
    notify,
    clients: {
      timeoutMs: env.OUTBOUND_TIMEOUT_MS, retries: env.OUTBOUND_RETRIES,
      breakerFailures: env.OUTBOUND_BREAKER_FAILURES, breakerCooldownMs: env.OUTBOUND_BREAKER_COOLDOWN_MS,
    },
  };
}

function serviceAccount(env: NotifyEnv, problems: string[]): ServiceAccount | undefined {
  let text = env.FCM_SERVICE_ACCOUNT_JSON;
  const name = text ? 'FCM_SERVICE_ACCOUNT_JSON' : 'FCM_SERVICE_ACCOUNT_FILE';
  if (!text && env.FCM_SERVICE_ACCOUNT_FILE) {
    try {
      text = readFileSync(env.FCM_SERVICE_ACCOUNT_FILE, 'utf8');
    } catch (err) {
      problems.push(`FCM_SERVICE_ACCOUNT_FILE: cannot read ${env.FCM_SERVICE_ACCOUNT_FILE} (${(err as Error).message})`);
      return undefined;
    }
  }
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<ServiceAccount>;
    if (typeof parsed.client_email === 'string' && typeof parsed.private_key === 'string') return parsed as ServiceAccount;
  } catch { /* reported below */ }
  problems.push(`${name}: not a Google service-account key (JSON with client_email and private_key)`);
  return undefined;
}
