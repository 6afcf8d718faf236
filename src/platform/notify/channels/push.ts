import type { FastifyBaseLogger } from 'fastify';
import { OutboundHttpError, type ClientFactory, type HttpClient } from '../../clients/index.js';
import type { Db } from '../../db/pool.js';
import type { NotifySettings } from '../settings.js';
import { GoogleAccessTokens } from './google-oauth.js';
import { DeliveryError, providerError, type Channel, type Delivery } from './types.js';

interface FcmErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: { '@type'?: string; errorCode?: string }[] };
}

/** FCM's most specific code: the FcmError detail (`UNREGISTERED`), else the RPC status (`INVALID_ARGUMENT`). */
const fcmCode = (body: FcmErrorBody) =>
  body.error?.details?.find((d) => d['@type']?.endsWith('FcmError'))?.errorCode ?? body.error?.status;

/** Tokens FCM says will never work again: the device is forgotten. */
const DEAD_TOKEN = new Set(['UNREGISTERED', 'SENDER_ID_MISMATCH']);

/** Push notifications through FCM HTTP v1 (`POST /v1/projects/{project}/messages:send`), one request per device. */
export class PushChannel implements Channel {
  readonly name = 'push' as const;
  readonly missing = 'FCM_SERVICE_ACCOUNT_JSON or FCM_SERVICE_ACCOUNT_FILE';
  private readonly http?: HttpClient;
  private readonly tokens?: GoogleAccessTokens;

  constructor(private readonly settings: NotifySettings['fcm'], clients: ClientFactory, private readonly db: Db, private readonly log: FastifyBaseLogger) {
    if (!settings) return;
    this.http = clients.client({ target: 'fcm', baseUrl: settings.apiBase });
    this.tokens = new GoogleAccessTokens(settings.serviceAccount, settings.tokenUrl, clients.client({ target: 'google-oauth' }));
  }

  get configured(): boolean {
    return this.http !== undefined;
  }

  async deliver(delivery: Delivery) {
    if (!this.http || !this.tokens || !this.settings) throw new DeliveryError('not_configured', `${this.missing} not set`, false);
    const names: string[] = [];
    let lastError: DeliveryError | undefined;
    for (const device of delivery.devices ?? []) {
      try {
        names.push(await this.sendOne(device.token, delivery));
      } catch (err) {
        lastError = err instanceof DeliveryError ? err : providerError(err, (body: FcmErrorBody) => ({ code: fcmCode(body), message: body.error?.message }));
        if (DEAD_TOKEN.has(lastError.code)) {
          await this.db.deleteFrom('platform.push_devices').where('id', '=', device.id).execute();
          this.log.info({ device: device.id, code: lastError.code }, 'push: FCM no longer knows this device; forgotten');
        }
      }
    }
    if (names.length > 0) return { status: 'sent' as const, providerId: names[0], providerStatus: `${names.length}/${delivery.devices!.length} devices` };
    throw lastError ?? new DeliveryError('no_device', 'the user has no registered device', false);
  }

  private async sendOne(token: string, delivery: Delivery, renewed = false): Promise<string> {
    const body = {
      message: {
        token,
        notification: { title: delivery.message.title, body: delivery.message.sms ?? delivery.message.body.slice(0, 1000) },
        data: { outboxId: delivery.outboxId, category: delivery.category, template: delivery.template, ...(delivery.message.link ? { link: delivery.message.link } : {}) },
        android: { priority: delivery.critical ? 'HIGH' : 'NORMAL' },
        apns: { headers: { 'apns-priority': delivery.critical ? '10' : '5' } },
      },
    };
    try {
      const res = await this.http!.request({
        method: 'POST',
        path: `/v1/projects/${encodeURIComponent(this.settings!.projectId)}/messages:send`,
        headers: { authorization: `Bearer ${await this.tokens!.token()}` },
        json: body,
      });
      return res.json<{ name: string }>().name;
    } catch (err) {
      // An access token revoked or expired early: fetch a new one, once.
      if (!renewed && err instanceof OutboundHttpError && err.status === 401) {
        this.tokens!.invalidate();
        return this.sendOne(token, delivery, true);
      }
      if (err instanceof OutboundHttpError && err.target === 'google-oauth') {
        throw providerError(err, (b: { error?: string; error_description?: string }) => ({ code: b.error, message: b.error_description }));
      }
      throw err;
    }
  }
}
