import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, TOTP_REQUIRED_EVENT, type ApiResult } from '../../api/client';
import { endSession, onSessionChange, readSession, storeTokens, type SessionEnd, type StoredSession } from '../../api/session';
import type { Role } from '../../modules';
import { useI18n } from '../i18n';

export type Me = ApiResult<'/api/v1/me', 'get'>;
export type Tokens = ApiResult<'/api/v1/auth/refresh', 'post'>;

interface Auth {
  session: StoredSession | null;
  me: Me | undefined;
  /** Signed in, but the profile has not arrived yet. */
  loading: boolean;
  /** Why the last session ended, when it ended on its own (shown on the sign-in page). */
  ended: SessionEnd | null;
  /** One of the user's roles requires two-factor and they have not enrolled yet. */
  totpRequired: boolean;
  signedIn: (tokens: Tokens) => void;
  /** Ends the session here and on the server; `end` says why, for the sign-in page. */
  signOut: (end?: SessionEnd) => Promise<void>;
  hasRole: (...roles: Role[]) => boolean;
}

const AuthContext = createContext<Auth | null>(null);
const TOTP_REQUIRED = 'atrium.totpRequired';

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const { setLocale, locale, setTimeZone } = useI18n();
  const [session, setSession] = useState(readSession);
  const [ended, setEnded] = useState<SessionEnd | null>(null);
  const [totpRequired, setTotpRequired] = useState(() => sessionStorage.getItem(TOTP_REQUIRED) === readSession()?.userId && !!readSession());

  useEffect(() => onSessionChange((next, end) => {
    setSession((prev) => {
      if (!next || (prev && prev.userId !== next.userId)) queryClient.clear();
      return next;
    });
    if (!next && end) setEnded(end);
    if (next) setEnded(null);
  }), [queryClient]);

  useEffect(() => {
    const required = () => {
      const userId = readSession()?.userId;
      if (!userId) return;
      sessionStorage.setItem(TOTP_REQUIRED, userId);
      setTotpRequired(true);
    };
    window.addEventListener(TOTP_REQUIRED_EVENT, required);
    return () => window.removeEventListener(TOTP_REQUIRED_EVENT, required);
  }, []);

  const me = useQuery({
    queryKey: ['me'],
    queryFn: () => api.get('/api/v1/me'),
    enabled: !!session,
    staleTime: 60_000,
  });

  useEffect(() => {
    if (!me.data) return;
    setTimeZone(me.data.timeZone);
    if (me.data.totpEnabled && totpRequired) {
      sessionStorage.removeItem(TOTP_REQUIRED);
      setTotpRequired(false);
    }
  }, [me.data, setTimeZone, totpRequired]);

  const signedIn = useCallback((tokens: Tokens) => {
    queryClient.clear();
    queryClient.setQueryData(['me'], tokens.user);
    if (tokens.totpEnrollmentRequired) sessionStorage.setItem(TOTP_REQUIRED, tokens.user.id);
    else sessionStorage.removeItem(TOTP_REQUIRED);
    setTotpRequired(!!tokens.totpEnrollmentRequired);
    storeTokens(tokens);
    // The account's language wins over the browser's, unless the user just picked one on this device.
    if (!localStorage.getItem('atrium.locale') && tokens.user.locale !== locale) void setLocale(tokens.user.locale);
  }, [queryClient, locale, setLocale]);

  const signOut = useCallback(async (end: SessionEnd = { reason: 'signed_out' }) => {
    await api.post('/api/v1/auth/logout').catch(() => undefined);
    sessionStorage.removeItem(TOTP_REQUIRED);
    endSession(end);
  }, []);

  const value = useMemo<Auth>(() => ({
    session,
    me: session ? me.data : undefined,
    loading: !!session && !me.data && !me.error,
    ended,
    totpRequired,
    signedIn,
    signOut,
    hasRole: (...roles) => !!me.data?.roles.some((r) => roles.includes(r as Role)),
  }), [session, me.data, me.error, ended, totpRequired, signedIn, signOut]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
