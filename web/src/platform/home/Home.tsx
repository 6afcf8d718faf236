import { Link } from 'react-router';
import { webModules } from '../../modules';
import { useAuth } from '../auth/auth';
import { useT } from '../i18n';
import { Icon, type IconName } from '../ui/icons';
import { Alert } from '../ui/feedback';
import { Badge, PageHeader } from '../ui/layout';
import { PageLoading } from '../layout/status-pages';
import type { MessageKey } from '../i18n';
import type { Role } from '../../modules';

interface Shortcut { to: string; icon: IconName; title: MessageKey; text: MessageKey; roles?: Role[] }

const SHORTCUTS: Shortcut[] = [
  { to: '/inbox', icon: 'inbox', title: 'nav.inbox', text: 'home.inboxText' },
  { to: '/account/preferences', icon: 'sliders', title: 'nav.preferences', text: 'home.preferencesText' },
  { to: '/account/security', icon: 'shield', title: 'nav.security', text: 'home.securityText' },
  { to: '/admin/users', icon: 'users', title: 'nav.users', text: 'home.usersText', roles: ['admin'] },
  { to: '/admin/audit', icon: 'list', title: 'nav.audit', text: 'home.auditText', roles: ['admin'] },
  { to: '/admin/jobs', icon: 'cpu', title: 'nav.jobs', text: 'home.jobsText', roles: ['admin', 'manager'] },
];

export default function Home() {
  const t = useT();
  const { me, hasRole } = useAuth();
  if (!me) return <PageLoading />;
  const moduleLinks: Shortcut[] = webModules.flatMap((m) => m.nav.map((n) => ({ to: n.to, icon: n.icon, title: n.label, text: m.label, roles: n.roles })));
  const shortcuts = [...moduleLinks, ...SHORTCUTS].filter((s) => !s.roles || hasRole(...s.roles));
  return (
    <>
      <PageHeader title={t('home.greeting', { name: me.displayName.split(' ')[0] })} description={t('home.lead')} />
      <div className="badges home-roles">{me.roles.map((r) => <Badge key={r} tone="primary">{t(`role.${r}` as MessageKey)}</Badge>)}</div>
      {!me.totpEnabled ? (
        <Alert tone="info" title={t('home.protectTitle')} action={<Link className="btn btn-sm btn-secondary" to="/account/security">{t('security.turnOn')}</Link>}>
          {t('home.protectText')}
        </Alert>
      ) : null}
      <div className="tiles">
        {shortcuts.map((s) => (
          <Link key={s.to} to={s.to} className="tile">
            <span className="tile-icon"><Icon name={s.icon} size={20} /></span>
            <span className="tile-body">
              <strong>{t(s.title)}</strong>
              <span>{t(s.text)}</span>
            </span>
            <Icon name="chevronRight" className="tile-arrow" />
          </Link>
        ))}
      </div>
    </>
  );
}
