import { useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useAuth } from '../auth/auth';
import { useI18n, type Locale } from '../i18n';

const LOCALES: { value: Locale; label: string; name: string }[] = [
  { value: 'en', label: 'EN', name: 'English' },
  { value: 'fr', label: 'FR', name: 'Français' },
];

/** Switches the interface language; signed in, it also becomes the account's language (emails, SMS). */
export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  const { session, me } = useAuth();
  const queryClient = useQueryClient();
  const choose = async (next: Locale) => {
    // Also when it is already shown: a click is a choice, kept for this device over the account's language.
    await setLocale(next);
    if (session && next !== me?.locale) {
      const me = await api.patch('/api/v1/me', { body: { locale: next } }).catch(() => null);
      if (me) queryClient.setQueryData(['me'], me);
    }
  };
  return (
    <div className="segmented" role="group" aria-label={t('language.label')}>
      {LOCALES.map((l) => (
        <button key={l.value} type="button" lang={l.value} title={l.name} aria-pressed={locale === l.value}
          className={locale === l.value ? 'active' : ''} onClick={() => void choose(l.value)}>
          {l.label}
        </button>
      ))}
    </div>
  );
}
