import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import { FakeHttpServer, Script, type RecordedRequest, type Reply } from './http.js';

export const FCM_PROJECT = 'atrium-test';
const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

export type FcmScript = { status: number; rpcStatus: string; errorCode?: string; message: string };

/**
 * Google's OAuth token endpoint (JWT bearer grant, RS256 assertion from a service account) and FCM HTTP v1
 * (`POST /v1/projects/{project}/messages:send`) on one local server, with FCM's error shapes.
 */
export class FakeFcm {
  readonly script = new Script<FcmScript>();
  readonly sent: { token: string; message: any }[] = [];
  readonly tokenRequests: { iss: string; scope: string }[] = [];
  /** Device tokens FCM no longer knows: answered 404 UNREGISTERED. */
  readonly unregistered = new Set<string>();
  readonly server: FakeHttpServer;
  private readonly accessTokens = new Set<string>();
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly clientEmail = 'atrium-push@atrium-test.iam.gserviceaccount.com';

  constructor(private readonly project = FCM_PROJECT) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.server = new FakeHttpServer((req) => this.handle(req));
  }

  get url(): string {
    return this.server.url;
  }

  get tokenUrl(): string {
    return `${this.server.url}/token`;
  }

  /** A service-account key file as Google issues it, pointing at this fake's token endpoint. */
  serviceAccountJson(): string {
    return JSON.stringify({
      type: 'service_account', project_id: this.project, private_key_id: 'test-key', client_email: this.clientEmail,
      private_key: this.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), token_uri: this.tokenUrl,
    });
  }

  /** Forgets every access token it issued, as if they had expired. */
  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  start() {
    return this.server.start().then(() => this);
  }

  stop() {
    return this.server.stop();
  }

  private fcmError(status: number, rpcStatus: string, message: string, errorCode?: string): Reply {
    return {
      status,
      body: {
        error: {
          code: status, message, status: rpcStatus,
          details: errorCode ? [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] : [],
        },
      },
    };
  }

  private async handle(req: RecordedRequest): Promise<Reply> {
    if (req.method === 'POST' && req.path === '/token') return this.token(req);
    const match = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(req.path);
    if (!match || req.method !== 'POST') return this.fcmError(404, 'NOT_FOUND', 'Not found');
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    if (!bearer || !this.accessTokens.has(bearer)) {
      return this.fcmError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
    }
    if (match[1] !== this.project) return this.fcmError(403, 'PERMISSION_DENIED', `Permission denied on project ${match[1]}`, 'SENDER_ID_MISMATCH');
    let body: any;
    try {
      body = JSON.parse(req.body);
    } catch {
      return this.fcmError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const token = body?.message?.token;
    if (typeof token !== 'string') return this.fcmError(400, 'INVALID_ARGUMENT', 'Recipient of the message is not set.', 'INVALID_ARGUMENT');
    if (body.message.data && Object.values(body.message.data).some((v) => typeof v !== 'string')) {
      return this.fcmError(400, 'INVALID_ARGUMENT', 'Invalid value at \'message.data\': values must be strings', 'INVALID_ARGUMENT');
    }
    if (this.unregistered.has(token)) return this.fcmError(404, 'NOT_FOUND', 'Requested entity was not found.', 'UNREGISTERED');
    const scripted = this.script.next();
    if (scripted) return this.fcmError(scripted.status, scripted.rpcStatus, scripted.message, scripted.errorCode);
    this.sent.push({ token, message: body.message });
    return { status: 200, body: { name: `projects/${this.project}/messages/0:${Date.now()}%${randomBytes(8).toString('hex')}` } };
  }

  private async token(req: RecordedRequest): Promise<Reply> {
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' } };
    }
    try {
      const { payload } = await jwtVerify(form.get('assertion') ?? '', this.publicKey, { issuer: this.clientEmail, audience: this.tokenUrl, algorithms: ['RS256'] });
      if (payload.scope !== SCOPE) return { status: 400, body: { error: 'invalid_scope', error_description: 'Invalid OAuth scope' } };
      this.tokenRequests.push({ iss: String(payload.iss), scope: String(payload.scope) });
    } catch {
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } };
    }
    const accessToken = `ya29.${randomBytes(24).toString('base64url')}`;
    this.accessTokens.add(accessToken);
    return { status: 200, body: { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' } };
  }
}
