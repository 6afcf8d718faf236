import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey } from './en';

export type Locale = 'en' | 'fr';
type Dictionary = Record<MessageKey, string>;

const STORAGE = 'atrium.locale';
const loaders: Record<Locale, () => Promise<Dictionary>> = {
  en: async () => en,
  fr: async () => (await import('./fr')).fr,
};

export function initialLocale(): Locale {
  const stored = localStorage.getItem(STORAGE);
  if (stored === 'en' || stored === 'fr') return stored;
  return navigator.language?.toLowerCase().startsWith('fr') ? 'fr' : 'en';
}

export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

interface I18n {
  locale: Locale;
  t: Translate;
  setLocale: (locale: Locale) => Promise<void>;
  /** Dates in the user's time zone and language. */
  formatDate: (iso: string | null | undefined, style?: 'datetime' | 'date' | 'time' | 'relative') => string;
  timeZone: string;
  setTimeZone: (tz: string) => void;
}

const I18nContext = createContext<I18n | null>(null);

export function interpolate(text: string, values?: Record<string, string | number>): string {
  return values ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in values ? String(values[name]) : m)) : text;
}

export function I18nProvider({ children, locale: first, dictionary: firstDictionary }: { children: ReactNode; locale: Locale; dictionary: Dictionary }) {
  const [state, setState] = useState({ locale: first, dictionary: firstDictionary });
  const [timeZone, setTimeZone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone);

  const setLocale = useCallback(async (locale: Locale) => {
    const dictionary = await loaders[locale]();
    localStorage.setItem(STORAGE, locale);
    document.documentElement.lang = locale;
    setState({ locale, dictionary });
  }, []);

  const value = useMemo<I18n>(() => {
    const tag = state.locale === 'fr' ? 'fr-FR' : 'en-GB';
    const formats = {
      datetime: new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short', timeZone }),
      date: new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeZone }),
      time: new Intl.DateTimeFormat(tag, { timeStyle: 'medium', timeZone }),
    };
    const relative = new Intl.RelativeTimeFormat(tag, { numeric: 'auto' });
    return {
      locale: state.locale,
      t: (key, values) => interpolate(state.dictionary[key] ?? en[key] ?? key, values),
      setLocale,
      timeZone,
      setTimeZone: (tz) => { try { new Intl.DateTimeFormat('en', { timeZone: tz }); setTimeZone(tz); } catch { /* unknown zone: keep the browser's */ } },
      formatDate: (iso, style = 'datetime') => {
        if (!iso) return '—';
        const date = new Date(iso);
        if (Number.isNaN(date.getTime())) return iso;
        if (style !== 'relative') return formats[style].format(date);
        const seconds = Math.round((date.getTime() - Date.now()) / 1000);
        const abs = Math.abs(seconds);
        if (abs < 60) return relative.format(seconds, 'second');
        if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
        if (abs < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
        if (abs < 86400 * 30) return relative.format(Math.round(seconds / 86400), 'day');
        return formats.date.format(date);
      },
    };
  }, [state, setLocale, timeZone]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}

export const useT = () => useI18n().t;

export async function loadDictionary(locale: Locale): Promise<Dictionary> {
  return loaders[locale]();
}

export type { MessageKey };

/** Whether a key built at run time (a category from the API, say) has a translation. */
export const hasMessage = (key: string): key is MessageKey => key in en;
