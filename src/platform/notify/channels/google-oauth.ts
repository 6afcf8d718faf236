import { SignJWT, importPKCS8 } from 'jose';
import type { HttpClient } from '../../clients/index.js';
import type { ServiceAccount } from '../settings.js';

const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

/**
 * OAuth 2.0 access tokens for a Google service account (RFC 7523 JWT bearer grant): a JWT signed with
 * the account's key is exchanged at the token endpoint; the token is cached until a minute before expiry.
 */
export class GoogleAccessTokens {
  private cached?: { token: string; expiresAt: number };
  private pending?: Promise<string>;

  constructor(private readonly account: ServiceAccount, private readonly tokenUrl: string, private readonly http: HttpClient) {}

  async token(): Promise<string> {
    if (this.cached && this.cached.expiresAt > Date.now() + 60_000) return this.cached.token;
    this.pending ??= this.fetchToken().finally(() => { this.pending = undefined; });
    return this.pending;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const key = await importPKCS8(this.account.private_key, 'RS256');
    const assertion = await new SignJWT({ scope: FCM_SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(this.account.client_email)
      .setSubject(this.account.client_email)
      .setAudience(this.tokenUrl)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    const res = await this.http.request({
      method: 'POST',
      path: this.tokenUrl,
      form: { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion },
      retryable: true,
    });
    const body = res.json<{ access_token: string; expires_in: number }>();
    this.cached = { token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
    return body.access_token;
  }
}
