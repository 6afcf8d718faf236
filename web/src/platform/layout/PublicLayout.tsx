import { Outlet } from 'react-router';
import { useT } from '../i18n';
import { Brand } from './Brand';
import { LanguageSwitch } from './LanguageSwitch';

export function PublicLayout() {
  const t = useT();
  return (
    <div className="public">
      <header className="public-header">
        <Brand />
        <LanguageSwitch />
      </header>
      <main className="public-main" id="main">
        <Outlet />
      </main>
      <footer className="public-footer">{t('public.footer')}</footer>
    </div>
  );
}
