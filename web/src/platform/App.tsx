import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiError } from '../api/problem';
import { webModules, type Role } from '../modules';
import { I18nProvider, type Locale, type MessageKey } from './i18n';
import { AuthProvider, useAuth } from './auth/auth';
import { ToastProvider } from './ui/toast';
import { Shell } from './layout/Shell';
import { PublicLayout } from './layout/PublicLayout';
import { Forbidden, NotFound, PageLoading } from './layout/status-pages';
import { StreamProvider } from './realtime/stream';

const SignIn = lazy(() => import('./auth/pages/SignIn'));
const Register = lazy(() => import('./auth/pages/Register'));
const ForgotPassword = lazy(() => import('./auth/pages/ForgotPassword'));
const ResetPassword = lazy(() => import('./auth/pages/ResetPassword'));
const TotpSetupRequired = lazy(() => import('./auth/pages/TotpSetupRequired'));
const Home = lazy(() => import('./home/Home'));
const Profile = lazy(() => import('./account/Profile'));
const Preferences = lazy(() => import('./account/Preferences'));
const Security = lazy(() => import('./account/Security'));
const NotificationPreferences = lazy(() => import('./notify/NotificationPreferences'));
const Inbox = lazy(() => import('./notify/Inbox'));
const JobMonitor = lazy(() => import('./jobs/JobMonitor'));
const QueueDetail = lazy(() => import('./jobs/QueueDetail'));
const Users = lazy(() => import('./admin/Users'));
const UserDetail = lazy(() => import('./admin/UserDetail'));
const AuditEvents = lazy(() => import('./admin/AuditEvents'));
const AuditEventDetail = lazy(() => import('./admin/AuditEventDetail'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // Retry only what may pass on a second try: the network or the server hiccuping.
      retry: (count, err) => count < 2 && err instanceof ApiError && (err.status === 0 || err.status >= 500),
    },
  },
});

function RequireAuth({ children }: { children: ReactNode }) {
  const { session, totpRequired } = useAuth();
  const location = useLocation();
  if (!session) return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  if (totpRequired && location.pathname !== '/two-factor/setup') return <Navigate to="/two-factor/setup" replace />;
  return <>{children}</>;
}

function RequireRole({ roles, children }: { roles?: Role[]; children: ReactNode }) {
  const { me, hasRole } = useAuth();
  if (!roles) return <>{children}</>;
  if (!me) return <PageLoading />;
  return hasRole(...roles) ? <>{children}</> : <Forbidden />;
}

function RedirectIfSignedIn({ children }: { children: ReactNode }) {
  const { session } = useAuth();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  return session ? <Navigate to={from && from.startsWith('/') ? from : '/'} replace /> : <>{children}</>;
}

const page = (element: ReactNode, roles?: Role[]) => (
  <RequireRole roles={roles}><Suspense fallback={<PageLoading />}>{element}</Suspense></RequireRole>
);

export const JOB_MONITOR_ROLES: Role[] = ['admin', 'manager'];

export function App({ locale, dictionary }: { locale: Locale; dictionary: Record<MessageKey, string> }) {
  return (
    <I18nProvider locale={locale} dictionary={dictionary}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <AuthProvider>
            <StreamProvider>
              <ToastProvider>
                <Routes>
                  <Route element={<PublicLayout />}>
                    <Route path="sign-in" element={<RedirectIfSignedIn>{page(<SignIn />)}</RedirectIfSignedIn>} />
                    <Route path="register" element={<RedirectIfSignedIn>{page(<Register />)}</RedirectIfSignedIn>} />
                    <Route path="forgot-password" element={page(<ForgotPassword />)} />
                    <Route path="reset-password" element={page(<ResetPassword />)} />
                    <Route path="two-factor/setup" element={<RequireAuth>{page(<TotpSetupRequired />)}</RequireAuth>} />
                  </Route>
                  <Route element={<RequireAuth><Shell /></RequireAuth>}>
                    <Route index element={page(<Home />)} />
                    <Route path="inbox" element={page(<Inbox />)} />
                    <Route path="account" element={<Navigate to="/account/profile" replace />} />
                    <Route path="account/profile" element={page(<Profile />)} />
                    <Route path="account/preferences" element={page(<Preferences />)} />
                    <Route path="account/security" element={page(<Security />)} />
                    <Route path="account/notifications" element={page(<NotificationPreferences />)} />
                    <Route path="admin/users" element={page(<Users />, ['admin'])} />
                    <Route path="admin/users/:id" element={page(<UserDetail />, ['admin'])} />
                    <Route path="admin/audit" element={page(<AuditEvents />, ['admin'])} />
                    <Route path="admin/audit/:id" element={page(<AuditEventDetail />, ['admin'])} />
                    <Route path="admin/jobs" element={page(<JobMonitor />, JOB_MONITOR_ROLES)} />
                    <Route path="admin/jobs/queues/:name" element={page(<QueueDetail />, JOB_MONITOR_ROLES)} />
                    {webModules.flatMap((m) => m.routes.map((r) => (
                      <Route key={`${m.name}:${r.path}`} path={r.path} element={page(<r.page />, r.roles)} />
                    )))}
                    <Route path="*" element={<NotFound />} />
                  </Route>
                </Routes>
              </ToastProvider>
            </StreamProvider>
          </AuthProvider>
        </BrowserRouter>
      </QueryClientProvider>
    </I18nProvider>
  );
}
