import { useEffect, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { webModules } from '../../modules';
import { useAuth } from '../auth/auth';
import { useT } from '../i18n';
import { Icon } from '../ui/icons';
import { LanguageSwitch } from './LanguageSwitch';
import { Bell } from '../notify/Bell';
import { UserMenu } from './UserMenu';
import { platformNav, type NavSection } from './nav';
import { Brand } from './Brand';

export function Shell() {
  const t = useT();
  const { hasRole, me } = useAuth();
  const [open, setOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setOpen(false), [location.pathname]);

  const sections: NavSection[] = [
    platformNav[0],
    ...webModules.map((m) => ({ label: m.label, items: m.nav })),
    ...platformNav.slice(1),
  ];
  const visible = sections
    .map((s) => ({ ...s, items: s.items.filter((i) => !i.roles || hasRole(...i.roles)) }))
    .filter((s) => s.items.length > 0);

  return (
    <div className={`shell${open ? ' nav-open' : ''}`}>
      <a className="skip-link" href="#main">{t('nav.skip')}</a>
      <aside className="sidebar" aria-label={t('nav.label')}>
        <div className="sidebar-brand">
          <Brand />
          <button className="icon-btn sidebar-close" onClick={() => setOpen(false)} aria-label={t('action.close')}><Icon name="close" /></button>
        </div>
        <nav>
          {visible.map((section, i) => (
            <div className="nav-section" key={section.label ?? i}>
              {section.label ? <div className="nav-section-label">{t(section.label)}</div> : null}
              {section.items.map((item) => (
                <NavLink key={item.to} to={item.to} end={item.to === '/'} className={({ isActive }) => `nav-link${isActive ? ' active' : ''}`}>
                  <Icon name={item.icon} />
                  <span>{t(item.label)}</span>
                </NavLink>
              ))}
            </div>
          ))}
        </nav>
        {me ? <div className="sidebar-footer">{t('nav.signedInAs', { name: me.displayName })}</div> : null}
      </aside>
      <div className="scrim" onClick={() => setOpen(false)} aria-hidden="true" />
      <div className="main-col">
        <header className="topbar">
          <button className="icon-btn menu-btn" onClick={() => setOpen(true)} aria-label={t('nav.open')} aria-expanded={open}><Icon name="menu" /></button>
          <div className="topbar-brand"><Brand compact /></div>
          <div className="topbar-spacer" />
          <LanguageSwitch />
          <Bell />
          <UserMenu />
        </header>
        <main className="content" id="main" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  );
}
