/**
 * The signed-in session: tokens kept in localStorage so a reload or a new tab stays signed in
 * (docs/decisions.md says why), refreshed silently before the access token expires.
 *
 * A refresh token works once; presenting it twice revokes the session. So refreshing is single-flight
 * in a tab (one shared promise) and across tabs (a Web Lock, re-reading storage once inside it: when
 * another tab already rotated the tokens, this tab uses the new ones instead of refreshing again).
 */
import { ApiError, networkError, problemFrom } from './problem';

export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
  userId: string;
}

export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string };
}

export type SessionEnd = { reason: 'signed_out' } | { reason: 'totp_enabled' } | { reason: 'expired'; detail?: string };

const KEY = 'atrium.session';
const LOCK = 'atrium.refresh';
/** Refresh this long before the access token expires. */
const MARGIN_MS = 60_000;

type Listener = (session: StoredSession | null, end?: SessionEnd) => void;
const listeners = new Set<Listener>();

export function readSession(): StoredSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    const parsed = raw ? JSON.parse(raw) as StoredSession : null;
    return parsed && parsed.accessToken && parsed.refreshToken ? parsed : null;
  } catch {
    return null;
  }
}

function notify(session: StoredSession | null, end?: SessionEnd) {
  for (const l of listeners) l(session, end);
  schedule(session);
}

function write(session: StoredSession | null) {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
}

export function storeTokens(tokens: TokenResponse): StoredSession {
  const session = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: Date.now() + tokens.expiresIn * 1000,
    userId: tokens.user.id,
  };
  write(session);
  notify(session);
  return session;
}

export function endSession(end: SessionEnd) {
  write(null);
  notify(null, end);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Another tab signed in, refreshed or signed out.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (e) => {
    if (e.key !== KEY && e.key !== null) return;
    const session = readSession();
    notify(session, session ? undefined : { reason: 'signed_out' });
  });
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && navigator.locks) return navigator.locks.request(LOCK, fn);
  return withStorageLease(fn);
}

/** Where Web Locks are missing (a page served over plain http from a LAN address): a lease in localStorage. */
async function withStorageLease<T>(fn: () => Promise<T>): Promise<T> {
  const me = Math.random().toString(36).slice(2);
  const key = `${LOCK}.lease`;
  for (let i = 0; i < 200; i++) {
    const lease = JSON.parse(localStorage.getItem(key) ?? 'null') as { owner: string; until: number } | null;
    if (!lease || lease.until < Date.now()) {
      localStorage.setItem(key, JSON.stringify({ owner: me, until: Date.now() + 10_000 }));
      await new Promise((r) => setTimeout(r, 30));
      if ((JSON.parse(localStorage.getItem(key) ?? 'null') as { owner: string } | null)?.owner === me) {
        try {
          return await fn();
        } finally {
          localStorage.removeItem(key);
        }
      }
    }
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
  }
  return fn();
}

let inflight: Promise<StoredSession | null> | null = null;

/**
 * Fresh tokens. `rejected` is the access token the server just refused: when storage already holds
 * another one (refreshed meanwhile), that one is used.
 */
export function refreshSession(rejected?: string): Promise<StoredSession | null> {
  inflight ??= withLock(async () => {
    const current = readSession();
    if (!current) return null;
    const fresh = current.expiresAt - Date.now() > MARGIN_MS;
    if (rejected ? current.accessToken !== rejected : fresh) return current;
    let res: Response;
    try {
      res = await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: current.refreshToken }),
      });
    } catch {
      throw networkError();
    }
    if (res.ok) {
      const tokens = await res.json() as TokenResponse;
      const session = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: Date.now() + tokens.expiresIn * 1000, userId: tokens.user.id };
      write(session);
      return session;
    }
    const problem = await problemFrom(res);
    if (res.status === 401 || res.status === 400) {
      write(null);
      throw Object.assign(problem, { sessionEnded: true });
    }
    throw problem;
  }).then((session) => {
    notify(session);
    return session;
  }, (err: ApiError & { sessionEnded?: boolean }) => {
    if (err.sessionEnded) notify(null, { reason: 'expired', detail: err.detail });
    throw err;
  }).finally(() => {
    inflight = null;
  });
  return inflight;
}

/** The access token to send now, refreshed first when it is about to expire. */
export async function accessToken(): Promise<string | null> {
  const session = readSession();
  if (!session) return null;
  if (session.expiresAt - Date.now() > 30_000) return session.accessToken;
  const fresh = await refreshSession().catch((err: ApiError) => {
    if (err.status === 0) return session; // offline: try the request anyway
    throw err;
  });
  return fresh?.accessToken ?? null;
}

let timer: ReturnType<typeof setTimeout> | undefined;

function schedule(session: StoredSession | null) {
  clearTimeout(timer);
  if (!session) return;
  // A little jitter so that tabs opened together do not all wake at once (the lock would serialise them anyway).
  const wait = Math.max(1_000, session.expiresAt - Date.now() - MARGIN_MS + Math.random() * 5_000);
  timer = setTimeout(() => {
    refreshSession().catch((err: ApiError) => {
      // Offline or a server hiccup: try again shortly; a request in the meantime refreshes on its own.
      if (err.status === 0 || err.status >= 500) timer = setTimeout(() => schedule(readSession()), 15_000);
    });
  }, Math.min(wait, 2 ** 31 - 1));
}

export function startSessionTimer() {
  schedule(readSession());
}
