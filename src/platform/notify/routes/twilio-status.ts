import { Type } from 'typebox';
import type { App } from '../../types.js';
import { problemResponses } from '../../http/problem.js';
import { HttpError, badRequest, serviceUnavailable } from '../../http/errors.js';
import { verifyTwilioSignature } from '../channels/twilio-signature.js';
import type { Deliverer } from '../deliver.js';
import { TWILIO_STATUS_PATH } from '../service.js';

/**
 * Twilio's delivery receipts for SMS and WhatsApp. Authenticated by X-Twilio-Signature over the public
 * URL (PUBLIC_URL + path, never the Host header) and the form parameters; nothing is read before it matches.
 */
export default function twilioStatusRoutes(deliverer: Deliverer) {
  return async (app: App) => {
    const { config } = app.platform;
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    app.post(TWILIO_STATUS_PATH, {
      schema: {
        tags: ['notify'], summary: 'Twilio status callback (form-encoded, signed with X-Twilio-Signature)',
        consumes: ['application/x-www-form-urlencoded'],
        response: { 204: Type.Null(), ...problemResponses(400, 403, 415, 503) },
      },
      config: { public: true },
    }, async (req, reply) => {
      const twilio = config.notify.twilio;
      if (!twilio) throw serviceUnavailable('channel_not_configured', 'Twilio is not configured on this server.');
      if (typeof req.body !== 'string' || !/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '')) {
        throw new HttpError(415, 'form_expected', 'Send the callback form-encoded, as Twilio does.');
      }
      const signature = req.headers['x-twilio-signature'];
      if (typeof signature !== 'string' || !signature) throw badRequest('signature_missing', 'The X-Twilio-Signature header is missing.');
      const params = new URLSearchParams(req.body);
      const url = `${config.publicUrl.replace(/\/+$/, '')}${req.url}`;
      if (!verifyTwilioSignature(twilio.authToken, url, params, signature)) {
        req.log.warn({ sid: params.get('MessageSid') }, 'twilio callback with a wrong signature refused');
        throw new HttpError(403, 'signature_invalid', 'The X-Twilio-Signature does not match this request.');
      }
      const sid = params.get('MessageSid');
      const status = params.get('MessageStatus') ?? params.get('SmsStatus');
      if (!sid || !status) throw badRequest('validation_failed', 'MessageSid and MessageStatus are required.');
      await deliverer.recordReceipt(sid, status, params.get('ErrorCode') ?? undefined, params.get('ErrorMessage') ?? undefined);
      return reply.code(204).send(null);
    });
  };
}
