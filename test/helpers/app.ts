import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config, type Role } from '../../src/platform/config.js';
import { createTestDatabase, type TestDatabase } from '../../src/platform/db/test-database.js';
import type { MailMessage, MailSender } from '../../src/platform/auth/mailer.js';
import { hashPassword } from '../../src/platform/auth/passwords.js';
import type { App, AtriumModule } from '../../src/platform/types.js';

/** Keeps the messages the app would send, so a test can read a reset link. */
export class CapturingMailSender implements MailSender {
  readonly sent: MailMessage[] = [];
  async send(message: MailMessage) {
    this.sent.push(message);
    return { delivered: true, status: 'captured' };
  }
}

export interface ApiResponse<T = any> { status: number; headers: Headers; body: T }

export interface RequestOptions { token?: string; body?: unknown; headers?: Record<string, string> }

export function apiClient(baseUrl: string) {
  return async function api<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    });
    const text = await res.text();
    let body: any = text;
    if (text && /json/.test(res.headers.get('content-type') ?? '')) body = JSON.parse(text);
    return { status: res.status, headers: res.headers, body };
  };
}

export interface TestUser { id: string; email: string; password: string; token: string; refreshToken: string; roles: Role[] }

export interface TestApp {
  app: App;
  db: TestDatabase;
  url: string;
  config: Config;
  mail: CapturingMailSender;
  api: ReturnType<typeof apiClient>;
  /** A user with the given roles, signed in through the API. */
  createUser(roles?: Role[], fields?: { email?: string; password?: string; displayName?: string }): Promise<TestUser>;
  close(): Promise<void>;
}

let passwordHash: Promise<string> | undefined;
const DEFAULT_PASSWORD = 'correct-horse-battery';

export async function startTestApp(options: { env?: Record<string, string>; modules?: AtriumModule[] } = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '100000', RATE_LIMIT_AUTH_MAX: '100000', ...options.env,
  });
  const mail = new CapturingMailSender();
  const app = await buildApp({ config, database: db, mailer: mail, logger: false, modules: options.modules ?? [] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const api = apiClient(url);

  const createUser: TestApp['createUser'] = async (roles = ['patient'], fields = {}) => {
    const email = fields.email ?? `user-${randomBytes(5).toString('hex')}@example.test`;
    const password = fields.password ?? DEFAULT_PASSWORD;
    const hash = fields.password ? await hashPassword(password) : await (passwordHash ??= hashPassword(DEFAULT_PASSWORD));
    const user = await db.db.insertInto('platform.users')
      .values({ email, password_hash: hash, display_name: fields.displayName ?? email.split('@')[0] })
      .returning('id').executeTakeFirstOrThrow();
    if (roles.length) await db.db.insertInto('platform.user_roles').values(roles.map((role) => ({ user_id: user.id, role, granted_by: null }))).execute();
    const login = await api('POST', '/api/v1/auth/login', { body: { email, password } });
    if (login.status !== 200) throw new Error(`test user login failed: ${login.status} ${JSON.stringify(login.body)}`);
    return { id: user.id, email, password, token: login.body.accessToken, refreshToken: login.body.refreshToken, roles };
  };

  return {
    app, db, url, config, mail, api, createUser,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
