import { useCallback, useRef, useState } from 'react';
import { useDismiss } from '../ui/useDismiss';
import { Link, useNavigate } from 'react-router';
import { useAuth } from '../auth/auth';
import { useT } from '../i18n';
import { Icon } from '../ui/icons';

export const initials = (name: string) => name.split(/\s+/).filter(Boolean).slice(0, 2).map((p) => p[0]!.toUpperCase()).join('') || '?';

export function UserMenu() {
  const t = useT();
  const { me, signOut } = useAuth();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const closeMenu = useCallback(() => setOpen(false), []);
  useDismiss(ref, open, closeMenu);
  if (!me) return <div className="avatar skeleton" />;
  return (
    <div className="menu" ref={ref}>
      <button className="user-btn" onClick={() => setOpen((o) => !o)} aria-haspopup="menu" aria-expanded={open} data-testid="user-menu">
        <span className="avatar" aria-hidden="true">{initials(me.displayName)}</span>
        <span className="user-name">{me.displayName}</span>
      </button>
      {open ? (
        <div className="menu-popover" role="menu">
          <div className="menu-header">
            <strong>{me.displayName}</strong>
            <span>{me.email}</span>
          </div>
          <Link role="menuitem" to="/account/profile" className="menu-item" onClick={() => setOpen(false)}><Icon name="user" />{t('nav.profile')}</Link>
          <Link role="menuitem" to="/account/security" className="menu-item" onClick={() => setOpen(false)}><Icon name="shield" />{t('nav.security')}</Link>
          <button role="menuitem" className="menu-item" onClick={async () => { setOpen(false); await signOut(); navigate('/sign-in'); }}>
            <Icon name="logout" />{t('auth.signOut')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
