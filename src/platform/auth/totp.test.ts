import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { URI, TOTP } from 'otpauth';
import { startTestApp, type TestApp, type TestUser } from '../../../test/helpers/app.js';

const STEP_MS = 30_000;

/**
 * The user's authenticator app. Codes are taken for the step current at enrolment and the next one: the
 * server accepts ±1 step, so each stays valid for at least 30 s after it was computed whatever the load.
 */
interface Authenticator { code(stepOffset: number): string; recoveryCodes: string[] }

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

async function enrol(t: TestApp, user: TestUser): Promise<Authenticator> {
  const enroll = await t.api('POST', '/api/v1/auth/totp/enroll', { token: user.token });
  assert.equal(enroll.status, 200);
  const totp = URI.parse(enroll.body.otpauthUrl) as TOTP;
  assert.equal(totp.secret.base32, enroll.body.secret);
  const base = Math.floor(Date.now() / STEP_MS);
  const code = (offset: number) => totp.generate({ timestamp: (base + offset) * STEP_MS });
  const confirm = await t.api('POST', '/api/v1/auth/totp/confirm', { token: user.token, body: { code: code(0) } });
  assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
  return { code, recoveryCodes: confirm.body.recoveryCodes };
}

async function passwordStep(t: TestApp, user: TestUser): Promise<string> {
  const res = await t.api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(res.body).sort(), ['mfaRequired', 'mfaToken']);
  assert.equal(res.body.mfaRequired, true);
  return res.body.mfaToken;
}

describe('two-factor sign-in', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp({ env: { ATRIUM_LOCKOUT_THRESHOLD: '3' } }); });
  after(async () => { await t.close(); });

  test('enrolling gives a SHA-1, 6-digit, 30-second secret; a wrong first code is refused and a right one turns two-factor on with ten recovery codes', async () => {
    const user = await t.createUser();
    const enroll = await t.api('POST', '/api/v1/auth/totp/enroll', { token: user.token });
    assert.equal(enroll.status, 200);
    const totp = URI.parse(enroll.body.otpauthUrl) as TOTP;
    assert.equal(totp.algorithm, 'SHA1');
    assert.equal(totp.digits, 6);
    assert.equal(totp.period, 30);
    assert.equal(totp.issuer, 'Atrium');
    assert.equal(totp.label, user.email);

    const now = Date.now();
    const valid = new Set([-1, 0, 1].map((d) => totp.generate({ timestamp: now + d * STEP_MS })));
    let wrong = totp.generate({ timestamp: now + 10 * STEP_MS });
    while (valid.has(wrong)) wrong = String((Number(wrong) + 1) % 1_000_000).padStart(6, '0');
    const refused = await t.api('POST', '/api/v1/auth/totp/confirm', { token: user.token, body: { code: wrong } });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.code, 'invalid_totp_code');
    assert.equal((await t.api('GET', '/api/v1/me', { token: user.token })).body.totpEnabled, false);

    const stored = await t.db.db.selectFrom('platform.users').select('totp_secret').where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.ok(stored.totp_secret && !stored.totp_secret.includes(enroll.body.secret), 'the seed is encrypted at rest');
    const confirm = await t.api('POST', '/api/v1/auth/totp/confirm', { token: user.token, body: { code: totp.generate() } });
    assert.equal(confirm.status, 200);
    assert.equal(confirm.body.recoveryCodes.length, 10);
    assert.equal(new Set(confirm.body.recoveryCodes).size, 10);
    assert.equal((await t.api('GET', '/api/v1/me', { token: user.token })).body.totpEnabled, true);
    const again = await t.api('POST', '/api/v1/auth/totp/enroll', { token: user.token });
    assert.equal(again.status, 409, 'a second enrolment needs two-factor turned off first');
  });

  test('with two-factor on, sign-in answers {mfaRequired, mfaToken}, and a code gives tokens whose JWT carries totpAt', async () => {
    const user = await t.createUser();
    const app = await enrol(t, user);
    const mfaToken = await passwordStep(t, user);
    const before = Math.floor(Date.now() / 1000);
    const res = await t.api('POST', '/api/v1/auth/login/totp', { body: { mfaToken, code: app.code(1) } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { totpAt } = claims(res.body.accessToken);
    assert.equal(typeof totpAt, 'number');
    assert.ok(totpAt >= before - 1 && totpAt <= Math.floor(Date.now() / 1000) + 1);
    assert.equal(claims(user.token).totpAt, undefined, 'the password-only session did not pass two-factor');
    const sessions = await t.api('GET', '/api/v1/me/sessions', { token: res.body.accessToken });
    assert.equal(sessions.body.items.find((s: { current: boolean }) => s.current).twoFactor, true);

    const refreshed = await t.api('POST', '/api/v1/auth/refresh', { body: { refreshToken: res.body.refreshToken } });
    assert.equal(claims(refreshed.body.accessToken).totpAt, totpAt, 'a refresh keeps when two-factor was passed');
  });

  test('the same TOTP code cannot be used twice', async () => {
    const user = await t.createUser();
    const app = await enrol(t, user);
    const first = await t.api('POST', '/api/v1/auth/login/totp', { body: { mfaToken: await passwordStep(t, user), code: app.code(1) } });
    assert.equal(first.status, 200);
    const replay = await t.api('POST', '/api/v1/auth/login/totp', { body: { mfaToken: await passwordStep(t, user), code: app.code(1) } });
    assert.equal(replay.status, 401);
    assert.equal(replay.body.code, 'invalid_totp_code');
    const confirmCode = await t.api('POST', '/api/v1/auth/login/totp', { body: { mfaToken: await passwordStep(t, user), code: app.code(0) } });
    assert.equal(confirmCode.status, 401, 'the code used to confirm enrolment is spent too');
  });

  test('a recovery code signs in once, with or without its dash', async () => {
    const user = await t.createUser();
    const app = await enrol(t, user);
    const [code, other] = app.recoveryCodes;
    const first = await t.api('POST', '/api/v1/auth/login/totp', { body: { mfaToken: await passwordStep(t, user), recoveryCode: code } });
    assert.equal(first.status, 200);
    assert.equal(typeof claims(first.body.accessToken).totpAt, 'number');
    const again = await t.api('POST', '/api/v1/auth/login/totp', { body: { mfaToken: await passwordStep(t, user), recoveryCode: code } });
    assert.equal(again.status, 401);
    const undashed = await t.api('POST', '/api/v1/auth/login/totp', { body: { mfaToken: await passwordStep(t, user), recoveryCode: other.replace('-', '').toUpperCase() } });
    assert.equal(undashed.status, 200);
  });

  test('wrong second-factor codes count toward the lockout', async () => {
    const user = await t.createUser();
    await enrol(t, user);
    for (let i = 0; i < 3; i++) {
      const res = await t.api('POST', '/api/v1/auth/login/totp', { body: { mfaToken: await passwordStep(t, user), recoveryCode: 'aaaaa-bbbbb' } });
      assert.equal(res.status, 401);
    }
    const locked = await t.api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
  });

  test('a forged or missing mfaToken is refused', async () => {
    const user = await t.createUser();
    const app = await enrol(t, user);
    const res = await t.api('POST', '/api/v1/auth/login/totp', { body: { mfaToken: user.token, code: app.code(1) } });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'invalid_mfa_token', 'an access token is not an mfa token');
  });

  test('turning two-factor off needs a current code; afterwards sign-in answers tokens directly', async () => {
    const user = await t.createUser();
    const app = await enrol(t, user);
    const without = await t.api('DELETE', '/api/v1/auth/totp', { token: user.token, body: {} });
    assert.equal(without.status, 422);
    const off = await t.api('DELETE', '/api/v1/auth/totp', { token: user.token, body: { code: app.code(1) } });
    assert.equal(off.status, 204);
    assert.equal((await t.api('GET', '/api/v1/me', { token: user.token })).body.totpEnabled, false);
    const login = await t.api('POST', '/api/v1/auth/login', { body: { email: user.email, password: user.password } });
    assert.ok(login.body.accessToken, 'no second step any more');
    const recovery = await t.api('POST', '/api/v1/auth/login/totp', { body: { mfaToken: await t.app.platform.tokens.signMfa(user.id, {}), recoveryCode: app.recoveryCodes[0] } });
    assert.equal(recovery.status, 401, 'the recovery codes were dropped with it');
  });

  test('two-factor can also be turned off with a recovery code', async () => {
    const user = await t.createUser();
    const app = await enrol(t, user);
    const off = await t.api('DELETE', '/api/v1/auth/totp', { token: user.token, body: { recoveryCode: app.recoveryCodes[3] } });
    assert.equal(off.status, 204);
  });
});

describe('two-factor required for a role (ATRIUM_TOTP_REQUIRED_ROLES=clinician)', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp({ env: { ATRIUM_TOTP_REQUIRED_ROLES: 'clinician' } }); });
  after(async () => { await t.close(); });

  test('a clinician without two-factor is told to enrol, gets 403 totp_required on guarded routes, but can reach /me and enrolment', async () => {
    const clinician = await t.createUser(['clinician']);
    const login = await t.api('POST', '/api/v1/auth/login', { body: { email: clinician.email, password: clinician.password } });
    assert.equal(login.status, 200);
    assert.equal(login.body.totpEnrollmentRequired, true);

    const guarded = await t.api('GET', '/api/v1/me/sessions', { token: clinician.token });
    assert.equal(guarded.status, 403);
    assert.equal(guarded.body.code, 'totp_required');
    assert.equal((await t.api('GET', '/api/v1/me', { token: clinician.token })).status, 200);
    const app = await enrol(t, clinician);
    assert.equal((await t.api('GET', '/api/v1/me/sessions', { token: clinician.token })).status, 403, 'this session did not pass two-factor');

    const mfaToken = await passwordStep(t, clinician);
    const signedIn = await t.api('POST', '/api/v1/auth/login/totp', { body: { mfaToken, code: app.code(1) } });
    assert.equal(signedIn.status, 200);
    assert.equal(signedIn.body.totpEnrollmentRequired, undefined);
    assert.equal((await t.api('GET', '/api/v1/me/sessions', { token: signedIn.body.accessToken })).status, 200);
  });

  test('roles that do not require two-factor are not affected', async () => {
    const patient = await t.createUser(['patient']);
    const login = await t.api('POST', '/api/v1/auth/login', { body: { email: patient.email, password: patient.password } });
    assert.equal(login.body.totpEnrollmentRequired, undefined);
    assert.equal((await t.api('GET', '/api/v1/me/sessions', { token: patient.token })).status, 200);
  });
});
